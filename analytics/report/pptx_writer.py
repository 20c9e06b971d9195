"""The briefing deck (16:9): a title slide, then one slide per section with its message."""

from __future__ import annotations

import io
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from analytics.report.base import Section

BLUE = RGBColor(0x15, 0x65, 0xC0)
GREY = RGBColor(0x55, 0x5F, 0x6D)
W, H = Inches(13.333), Inches(7.5)


def _text(slide, left, top, width, height, text, size, bold=False, colour=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    para = frame.paragraphs[0]
    run = para.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    return box


def write_pptx(path: Path, title: str, subtitle: str, footer: str, sections: list[Section],
               images: dict[str, bytes]) -> None:
    deck = Presentation()
    deck.slide_width, deck.slide_height = W, H
    blank = deck.slide_layouts[6]

    slide = deck.slides.add_slide(blank)
    _text(slide, Inches(0.8), Inches(2.4), Inches(11.5), Inches(1.2), title, 44, True, BLUE)
    _text(slide, Inches(0.8), Inches(3.6), Inches(11.5), Inches(0.8), subtitle, 24, colour=GREY)
    _text(slide, Inches(0.8), Inches(6.6), Inches(11.5), Inches(0.5), footer, 12, colour=GREY)

    for section in sections:
        slide = deck.slides.add_slide(blank)
        _text(slide, Inches(0.6), Inches(0.35), Inches(12), Inches(0.8), section.title, 30, True, BLUE)
        _text(slide, Inches(0.6), Inches(1.1), Inches(12), Inches(0.9),
              section.unavailable or section.message, 16, colour=GREY)
        if section.kpis:
            _kpi_grid(slide, section.kpis)
        elif section.key in images:
            pic = io.BytesIO(images[section.key])
            slide.shapes.add_picture(pic, Inches(0.9), Inches(2.0), width=Inches(11.5))
        _text(slide, Inches(0.6), Inches(7.0), Inches(12), Inches(0.4), footer, 10, colour=GREY)
    deck.save(str(path))


def _kpi_grid(slide, kpis: list[tuple[str, str, str]]) -> None:
    cols = 4
    box_w, box_h = Emu(int(Inches(2.95))), Emu(int(Inches(2.0)))
    for i, (label, value, change) in enumerate(kpis):
        left = Inches(0.6) + (i % cols) * (box_w + Inches(0.1))
        top = Inches(2.3) + (i // cols) * (box_h + Inches(0.3))
        _text(slide, left, top, box_w, Inches(0.5), label, 14, colour=GREY)
        _text(slide, left, top + Inches(0.45), box_w, Inches(0.9), value, 36, True)
        _text(slide, left, top + Inches(1.35), box_w, Inches(0.5), change, 14, colour=GREY)
