"""CollectLens engine: data store, metrics, models and simulation. Never imports streamlit."""
