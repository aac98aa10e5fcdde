"""The evidence library is browsable and searchable by any member, in both languages."""

from peerway.planning.knowledge import load_knowledge_base


def test_member_browses_factors_and_strategies(world, login):
    kb = load_knowledge_base()
    page = login(world.clinician).get(f"/o/{world.org.slug}/evidence/")
    assert page.status_code == 200
    assert len(page.context["factors"]) == len(kb.factors)
    assert len(page.context["strategies"]) == len(kb.strategies)


def test_search_and_filters_narrow_the_list(world, login):
    client = login(world.peer_a)
    page = client.get(f"/o/{world.org.slug}/evidence/", {"q": "supervis"})
    names = [row["name"] for row in page.context["strategies"]]
    assert names and all(names)
    assert len(page.context["strategies"]) < len(load_knowledge_base().strategies)
    micro = client.get(f"/o/{world.org.slug}/evidence/", {"level": "micro"})
    assert {row["f"].level for row in micro.context["factors"]} == {"micro"}
    prepare = client.get(f"/o/{world.org.slug}/evidence/", {"phase": "prepare"})
    assert {row["s"].phase for row in prepare.context["strategies"]} == {"prepare"}


def test_factor_page_shows_strategies_with_strength_rationale_and_citations(world, login):
    kb = load_knowledge_base()
    factor = kb.factor("role_clarity")
    page = login(world.manager).get(f"/o/{world.org.slug}/evidence/factors/role_clarity/")
    assert page.status_code == 200
    assert factor.name.en in page.content.decode()
    links = page.context["links"]
    assert links and all(link["citations"] for link in links)
    assert {link["s"].code for link in links} == {
        lk.strategy for lk in kb.links_for_factor("role_clarity")
    }


def test_strategy_page_in_french(world, login):
    kb = load_knowledge_base()
    strategy = kb.strategies[0]
    page = login(world.manager).get(
        f"/o/{world.org.slug}/evidence/strategies/{strategy.code}/",
        headers={"accept-language": "fr-CA"},
    )
    assert page.status_code == 200
    assert page.context["name"] == strategy.name.fr
    assert page.context["citations"]


def test_unknown_codes_and_outsiders_get_404(world, login):
    assert (
        login(world.manager).get(f"/o/{world.org.slug}/evidence/factors/nope/").status_code == 404
    )
    assert login(world.outsider).get(f"/o/{world.org.slug}/evidence/").status_code == 404
