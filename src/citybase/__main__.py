from citybase.cli import main

main()
