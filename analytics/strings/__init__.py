"""UI strings by page or feature; merged by analytics.display.i18n."""
