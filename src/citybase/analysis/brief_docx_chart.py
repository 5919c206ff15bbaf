"""Native Word charts (DrawingML chart parts) for the brief's .docx: Word and LibreOffice draw them with
the document's own fonts, so Chinese titles, categories and legends need no font file and no image
library. Each chart carries its numbers in the chart XML (strLit/numLit caches)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Emu

from citybase.analysis.brief_model import Chart

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
COLOURS = ("0B4F8A", "D9822B", "7F7F7F", "7F7F7F", "2E8B57")
WIDTH, HEIGHT = Emu(5_760_000), Emu(3_060_000)  # 16 cm × 8.5 cm


def _text(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _str_lit(values: tuple[str, ...]) -> str:
    points = "".join(
        f'<c:pt idx="{index}"><c:v>{_text(value)}</c:v></c:pt>' for index, value in enumerate(values)
    )
    return f'<c:strLit><c:ptCount val="{len(values)}"/>{points}</c:strLit>'


def _num_lit(values: tuple[float | None, ...]) -> str:
    # A missing value has no point: the chart leaves a gap there.
    points = "".join(
        f'<c:pt idx="{index}"><c:v>{value!r}</c:v></c:pt>'
        for index, value in enumerate(values)
        if value is not None
    )
    return (
        f'<c:numLit><c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>{points}</c:numLit>'
    )


def _rich(text: str, size: int) -> str:
    return (
        f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="1"/></a:pPr>'
        f'<a:r><a:rPr lang="zh-CN" sz="{size}" b="1"><a:ea typeface="黑体"/></a:rPr>'
        f"<a:t>{_text(text)}</a:t></a:r>"
        "</a:p></c:rich></c:tx>"
    )


def _series(chart: Chart) -> str:
    found = []
    for index, series in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        dash = '<a:prstDash val="dash"/>' if chart.kind == "line" and index >= 2 else ""
        if chart.kind == "line":
            shape = (
                f'<c:spPr><a:ln w="22225"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
                f"{dash}</a:ln></c:spPr>"
                '<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>'
            )
        else:
            shape = (
                f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>'
                '<c:invertIfNegative val="0"/>'
            )
        labels = (
            '<c:dLbls><c:numFmt formatCode="0.0" sourceLinked="0"/>'
            "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
            '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            '<c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
            if chart.kind == "column"
            else ""
        )
        found.append(
            f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
            f"<c:tx><c:v>{_text(series.name)}</c:v></c:tx>{shape}{labels}"
            f"<c:cat>{_str_lit(chart.categories)}</c:cat><c:val>{_num_lit(series.values)}</c:val>"
            + ('<c:smooth val="0"/>' if chart.kind == "line" else "")
            + "</c:ser>"
        )
    return "".join(found)


def chart_xml(chart: Chart) -> bytes:
    """The chart part: a clustered column or a line chart with a category and a value axis."""
    if chart.kind == "line":
        plot = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{_series(chart)}'
        plot += '<c:marker val="1"/><c:axId val="1001"/><c:axId val="1002"/></c:lineChart>'
    else:
        plot = '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        plot += _series(chart)
        plot += '<c:gapWidth val="80"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart>'
    legend = (
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>' if len(chart.series) > 1 else ""
    )
    body = (
        f'<c:chartSpace xmlns:c="{C}" xmlns:a="{A}" xmlns:r="{R}">'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
        f'<c:chart><c:title>{_rich(chart.title, 1100)}<c:overlay val="0"/></c:title>'
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        f"{plot}"
        '<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="low"/><c:crossAx val="1002"/>'
        '<c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="l"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/>'
        "</a:solidFill></a:ln></c:spPr></c:majorGridlines>"
        f'<c:title>{_rich(chart.unit, 900)}<c:overlay val="0"/></c:title>'
        '<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="1001"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx>'
        f'</c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"><a:latin typeface="Times New Roman"/>'
        '<a:ea typeface="宋体"/></a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
        "</c:chartSpace>"
    )
    return b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n" + body.encode("utf-8")


def add_chart(document: Document, chart: Chart, number: int) -> None:
    """Add the chart as its own part and place it inline in a new centred paragraph."""
    document_part = document.part
    part = Part(
        PackURI(f"/word/charts/chart{number}.xml"),
        CHART_CONTENT_TYPE,
        chart_xml(chart),
        document_part.package,
    )
    relation = document_part.relate_to(part, RELATIONSHIP_TYPE.CHART)
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    inline = parse_xml(
        f'<wp:inline xmlns:wp="{WP}" xmlns:a="{A}" xmlns:c="{C}" xmlns:r="{R}"'
        ' distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{WIDTH}" cy="{HEIGHT}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{1000 + number}" name="图表 {number}" descr="{_text(chart.title)}"/>'
        f'<wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="{C}"><c:chart r:id="{relation}"/>'
        "</a:graphicData></a:graphic></wp:inline>"
    )
    run = paragraph.add_run()
    drawing = parse_xml('<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    drawing.append(inline)
    run._r.append(drawing)
