from analytics.display import i18n


def test_every_key_has_both_languages_and_no_duplicates():
    assert not i18n.DUPLICATE_KEYS
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == {"en", "zh"}, key
        assert entry["en"].strip() and entry["zh"].strip(), key


def test_placeholders_match_between_languages():
    import string
    for key, entry in i18n.STRINGS.items():
        fields = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in ("en", "zh")]
        assert fields[0] == fields[1], key


def test_unknown_key_is_returned_as_is_and_formatting_works():
    assert i18n.t("no.such.key") == "no.such.key"
    assert i18n.t("overview.pp", "zh", delta=0.4) == "+0.40 个百分点"
