"""The one way in for changes of state in accounts: each function applies it atomically and audits it."""
