"""What people and other systems read: the ledger (结对台账) and its sheets, table schemas,
personal columns, notebook views and figures. Outputs read results and never change them."""
