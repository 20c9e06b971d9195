"""Words and numbers as a person reads them: strings in English and Chinese (``i18n``), display
names of states, metrics and segments (``labels``), money and rates (``formatting``) and masking
of personal data (``privacy``). Exports and analytics keep canonical names; only what a person
reads passes through here."""
