def test_child_fixtures_are_created_with_masked_identity(child_a, child_c):
    assert child_a.id_number_masked.startswith("310105")
    assert "*" in child_a.id_number_masked
    assert child_a.subdistrict.name == "天山路街道"
    assert child_c.district.code == "310105"
