"""Commerce service: orders, order items, payments and product mappings."""
