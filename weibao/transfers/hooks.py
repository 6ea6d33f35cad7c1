"""The hooks the transfers app offers to the apps above it (docs/architecture.md)."""

from weibao.core.hooks import Hook

child_rows_move = Hook(
    "child_rows_move",
    """f(*, actor, child) after a child's file and records moved to another 居民区 (an accepted
    transfer, or a 居民区 merged or closed), inside the same transaction: an app above moves
    the area columns of its own child-keyed rows to the child's new area with its own service
    (areas.columns.area_columns_move) and writes its audit row. Registered by the activities
    (sign-ups) and council (council members) apps.""",
)
