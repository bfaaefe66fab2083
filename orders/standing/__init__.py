"""Standing orders: the same things every week on a round day, without asking each week.

A resident sets one up by message (read back, placed only on JA). Each week, before the
cut-off, she gets one short reminder of what comes; at the cut-off her order is placed from
the standing order at current prices, through the same quote and placing path as any order
(orders.quote, orders.placing). This week's changes, skips and pauses are kept per round.
"""
