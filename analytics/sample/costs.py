"""Contact costs of the generator, a leaf module: the strategy layer reads them too
(analytics/strategy/rules.py) without importing the generator (which imports the store)."""

# Contact costs in local currency. Ratios follow calibration.md: an SMS is about a quarter of an
# AI voice call and a tenth of an agent call.
CONTACT_COST = {
    "us": {"sms": 0.10, "wechat": 0.10, "app_push": 0.01, "ai_voice": 0.40, "agent_call": 1.00,
           "field_visit": 45.0, "letter": 1.50, "legal": 350.0},
    "cn": {"sms": 0.05, "wechat": 0.03, "app_push": 0.005, "ai_voice": 0.20, "agent_call": 0.50,
           "field_visit": 120.0, "letter": 8.0, "legal": 1500.0},
}
