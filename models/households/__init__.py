"""Households, their members and assessments (需求台账), and the WeChat users bound to them."""
