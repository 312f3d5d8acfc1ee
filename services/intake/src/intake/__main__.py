"""`python -m intake`."""

from intake.main import main

if __name__ == "__main__":
    main()
