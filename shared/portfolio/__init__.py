"""Portfolio sync: each configured exchange account's balances, prices, average entry and P/L,
snapshotted on a timer and kept in storage (docs/portfolio.md)."""
