"""Chart images without network: kaleido drives the local Chromium, started once per report."""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import AbstractContextManager

import plotly.graph_objects as go

from analytics import config
from analytics.errors import CollectLensError

log = logging.getLogger(__name__)
WIDTH, HEIGHT, SCALE = 1200, 560, 2


class ChartRenderer(AbstractContextManager):
    """``with ChartRenderer() as r: png = r.png(fig)``; one browser for the whole deck."""

    def __enter__(self) -> ChartRenderer:
        import kaleido

        browser = config.chromium_path()
        if browser is None:
            raise CollectLensError("Rendering charts needs Chromium. Install Debian's 'chromium' package "
                                   "(and 'fonts-noto-cjk' for Chinese), or set BROWSER_PATH.")
        os.environ.setdefault("BROWSER_PATH", browser)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.start_sync_server(silence_warnings=True)
        return self

    def png(self, fig: go.Figure, width: int = WIDTH, height: int = HEIGHT) -> bytes:
        fig = go.Figure(fig)
        # Static images have no hover: show the legend and keep a white background for print.
        fig.update_layout(template="plotly_white", paper_bgcolor="white", height=height, width=width)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fig.to_image(format="png", width=width, height=height, scale=SCALE)

    def __exit__(self, *exc) -> None:
        import kaleido

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.stop_sync_server(silence_warnings=True)
