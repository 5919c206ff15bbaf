"""The data-quality board (数据质量看板): rule violations, timeliness, conflicts and review outcomes."""

from citybase.quality.board import quality_board
from citybase.quality.model import SECTIONS, QualityBoard, check_section, section_columns
from citybase.quality.scope import org_choices

__all__ = ["SECTIONS", "QualityBoard", "check_section", "org_choices", "quality_board", "section_columns"]
