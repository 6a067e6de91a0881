"""Event alerts (issue 7): rules as data, the nightly's candidates loaded as alerts, the inbox."""
