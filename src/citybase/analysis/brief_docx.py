"""The brief as a Word document (.docx): A4 with the margins of Chinese official documents, 仿宋 body,
黑体 headings, 宋体 tables, each font named for East-Asian text (w:eastAsia), and native Word charts."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.run import Run

from citybase.analysis.brief_docx_chart import add_chart
from citybase.analysis.brief_model import Brief, Cell, Column, Table
from citybase.analysis.brief_text import date_label, exact

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(9)


def east_asian(
    target: Run | ParagraphStyle, east_asia: str, size: Pt | None = None, bold: bool | None = None
) -> None:
    """Name the font for Latin and for East-Asian text; Word uses w:eastAsia for Chinese characters."""
    font = target.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    properties = target.element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _styles(document: WordDocument) -> None:
    normal = document.styles["Normal"]
    east_asian(normal, BODY_FONT, BODY_SIZE)
    normal.paragraph_format.line_spacing = 1.5
    language = normal.element.get_or_add_rPr()
    lang = language.find(qn("w:lang"))
    if lang is None:
        lang = language.makeelement(qn("w:lang"), {})
        language.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    for name, size in (("Title", Pt(22)), ("Heading 1", Pt(16)), ("Heading 2", Pt(14))):
        style = document.styles[name]
        east_asian(style, HEADING_FONT if name != "Title" else TABLE_FONT, size, bold=True)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False


def _cell_text(value: Cell, column: Column) -> str:
    if value is None:
        return "—"
    if isinstance(value, str | int):
        return str(value)
    return f"{value:.{column.decimals}f}" if column.decimals is not None else exact(value)


def _write_run(paragraph_run: Run, font: str, size: Pt, bold: bool = False) -> None:
    east_asian(paragraph_run, font, size, bold)


def _table(document: WordDocument, table: Table) -> None:
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write_run(caption.add_run(table.title), HEADING_FONT, Pt(10.5), bold=True)
    word = document.add_table(rows=1, cols=len(table.columns))
    word.style = document.styles["Table Grid"]
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, column in zip(word.rows[0].cells, table.columns, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _write_run(paragraph.add_run(column.title), HEADING_FONT, TABLE_SIZE, bold=True)
    for row in table.rows:
        cells = word.add_row().cells
        for cell, value, column in zip(cells, row, table.columns, strict=True):
            paragraph = cell.paragraphs[0]
            if isinstance(value, int | float) and not isinstance(value, bool):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _write_run(paragraph.add_run(_cell_text(value, column)), TABLE_FONT, TABLE_SIZE)
    if table.note:
        note = document.add_paragraph()
        _write_run(note.add_run(f"注：{table.note}"), TABLE_FONT, TABLE_SIZE)


def brief_docx(brief: Brief) -> bytes:
    """The brief as .docx bytes."""
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    properties = document.core_properties
    properties.title = brief.title
    properties.author = "CityBase"
    properties.language = "zh-CN"
    properties.subject = f"{brief.region} {brief.period}"
    title = document.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write_run(title.add_run(brief.title), TABLE_FONT, Pt(22), bold=True)
    dated = document.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write_run(dated.add_run(f"（{date_label(brief.issued)}）"), BODY_FONT, BODY_SIZE)
    charts = 0
    for part in brief.sections:
        document.add_heading(part.heading, level=1)
        for text in part.paragraphs:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE.pt * 2)
            _write_run(paragraph.add_run(text), BODY_FONT, BODY_SIZE)
        for chart in part.charts:
            charts += 1
            add_chart(document, chart, charts)
        for table in part.tables:
            _table(document, table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
