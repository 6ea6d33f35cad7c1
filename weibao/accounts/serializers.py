from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    """A user as other users see them: the id and the display name, nothing else."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)
