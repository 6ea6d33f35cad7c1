from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    """A user as other users see them: the id and the display name, nothing else."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)

    def to_representation(self, user) -> dict:
        # What the two fields give, written directly: a list names several people a row (a
        # case: its owner, who opened it, its team), and DRF's generic path inspects
        # `__str__`'s signature for each (docs/performance.md, "The case team").
        return {"id": int(user.pk), "name": str(user)}
