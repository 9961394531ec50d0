"""The SPARQL 1.1 Protocol service: negotiation, request checks, and query
execution in killable worker processes (a timeout that really cancels)."""
