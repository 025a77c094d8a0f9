from conversations.inputs import UserInput
def test_x():
    assert UserInput.typed("a").text == "a"
