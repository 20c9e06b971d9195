"""UI strings by page or feature; merged by analytics.i18n."""
