from tickets.main import main

main()
