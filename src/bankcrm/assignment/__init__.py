"""Assignment (管户): which staff member maintains which customer (DESIGN §1, issue 6)."""
