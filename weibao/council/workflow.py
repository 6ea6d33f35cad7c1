"""Who keeps a children's council (docs/domain.md §8.1). A council has no states of its own: its
decisions go through the suggestion board's table (weibao.suggestions.workflow)."""

KEEPER, DIRECTOR = "keeper", "director"
