"""Streamlit glue shared by the pages: the frame, cached data access, reusable widgets."""
