"""`python -m notify`."""

from notify.main import main

if __name__ == "__main__":
    main()
