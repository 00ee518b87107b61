import pytest

from servers.params import N_MAX, SIZE_MAX, RequestError, RunParams, parse_article, parse_run


def test_defaults():
    assert parse_run({}, 700) == RunParams("article", "gather", 5, 700)
    assert parse_run({"workload": "sleep"}, 700) == RunParams("sleep", "gather", 5, 250)
    assert parse_article({}, 700) == RunParams("article", "gather", 5, 700)


def test_values_are_read():
    assert parse_run({"workload": "article", "strategy": "sequential", "n": "3", "size": " 9 "}, 1) == RunParams(
        "article", "sequential", 3, 9
    )


@pytest.mark.parametrize(
    "query, status, code, param",
    [
        ({"n": "abc"}, 400, "invalid_parameter", "n"),
        ({"n": "2.5"}, 400, "invalid_parameter", "n"),
        ({"n": "0"}, 400, "out_of_range", "n"),
        ({"n": str(N_MAX + 1)}, 400, "out_of_range", "n"),
        ({"size": "-3"}, 400, "out_of_range", "size"),
        ({"size": str(SIZE_MAX + 1)}, 400, "out_of_range", "size"),
        ({"workload": "sleep", "size": "60001"}, 400, "out_of_range", "size"),
        ({"size": ""}, 400, "invalid_parameter", "size"),
        ({"workload": "nope"}, 400, "unknown_workload", "workload"),
        ({"strategy": "magic"}, 400, "unknown_strategy", "strategy"),
        ({"sise": "10"}, 400, "unknown_parameter", "sise"),
    ],
)
def test_bad_input_is_a_clear_4xx(query, status, code, param):
    with pytest.raises(RequestError) as e:
        parse_run(query, 100)
    err = e.value.body()["error"]
    assert (err["status"], err["code"], err["param"]) == (status, code, param)
    assert param in err["message"]


def test_article_route_takes_only_n_and_size():
    with pytest.raises(RequestError, match="strategy"):
        parse_article({"strategy": "sequential"}, 100)
