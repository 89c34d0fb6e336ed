"""The harvests pages: runs listed and filtered, a harvest started, one run followed live."""
