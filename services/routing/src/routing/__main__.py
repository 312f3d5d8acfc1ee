"""`python -m routing`."""

from routing.main import main

if __name__ == "__main__":
    main()
