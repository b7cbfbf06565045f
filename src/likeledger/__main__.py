"""``python -m likeledger`` runs the command line."""

from likeledger.cli import main

main()
