"""The central store (统一存储): one current value per indicator × region × period × disaggregation,
every revision kept, values from other sources kept apart as conflicts."""
