"""Shops, products, prices, units and availability; CSV import and export."""
