from ctrlgraph.cli import main

main()
