"""What leaves the product: Markdown, the JSON contract, notifications. Pure renderers, plus the
notifier that sends."""
