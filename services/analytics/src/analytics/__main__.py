"""`python -m analytics`."""

from analytics.main import main

if __name__ == "__main__":
    main()
