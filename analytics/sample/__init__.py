"""The sample portfolio: a seeded generator of a realistic auto-loan book (``synth``) and the
published figures it is calibrated against (``calibration``)."""
