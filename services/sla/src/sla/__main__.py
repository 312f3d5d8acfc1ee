"""`python -m sla`."""

from sla.main import main

if __name__ == "__main__":
    main()
