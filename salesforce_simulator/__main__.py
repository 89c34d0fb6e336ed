"""Entry point: ``python -m salesforce_simulator --org demo --port 8900``."""

import sys

from salesforce_simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
