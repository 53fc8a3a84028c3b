"""Reading and writing Backstage catalog files (steadyops.catalog.backstage): no database involved."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steadyops.catalog import backstage, safe_yaml
from steadyops.catalog.backstage import (
    CatalogError,
    Entity,
    EntityRef,
    Problem,
    SourcePos,
    dangling_references,
    parse_ref,
    read_catalog,
    write_catalog,
)

FIXTURES = Path(__file__).parent / "fixtures" / "backstage"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.startswith("apiVersion") else textwrap.dedent(text).lstrip("\n"))
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        read_catalog(path)
    return caught.value.problems


COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: service
  lifecycle: production
  owner: platform
"""


def test_it_reads_several_documents_per_file(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", "---\n".join(COMPONENT.format(name=n) for n in ("a", "b", "c")))

    catalog = read_catalog(path)

    assert [entity.name for entity in catalog.entities] == ["a", "b", "c"]
    assert [entity.source for entity in catalog.entities] == [
        SourcePos("catalog-info.yaml", 1),
        SourcePos("catalog-info.yaml", 10),
        SourcePos("catalog-info.yaml", 19),
    ]
    assert catalog.entities[0] == Entity(
        kind="Component", name="a", spec={"type": "service", "lifecycle": "production", "owner": "platform"}
    )


def test_it_skips_documents_that_are_not_backstage_entities_and_counts_them(tmp_path: Path) -> None:
    text = COMPONENT.format(name="a") + textwrap.dedent("""
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a}
        ---
        - a list
        ---
        just text
        ---
        apiVersion: scaffolder.backstage.io/v1beta3
        kind: Template
        ---
        apiVersion: backstage.io/v1beta2
        kind: Template
        ---
        """)
    catalog = read_catalog(write(tmp_path, "catalog-info.yaml", text))

    assert [entity.name for entity in catalog.entities] == ["a"]
    assert catalog.skipped == 5
    assert catalog.skipped_kinds == {"Template": 1}


def test_it_follows_locations_relative_nested_and_cyclic_reading_each_file_once() -> None:
    catalog = read_catalog(FIXTURES / "shop")

    assert catalog.files == [
        "catalog-info.yaml",
        "org.yaml",
        "systems/checkout.yaml",
        "systems/payments.yaml",
        "systems/more/search.yaml",
    ]
    assert sorted(str(entity.ref) for entity in catalog.entities) == [
        "api:default/checkout-api",
        "component:default/checkout-api",
        "component:default/payments-api",
        "component:default/storefront",
        "component:search/search-api",
        "domain:default/shop",
        "group:default/checkout",
        "group:default/payments",
        "group:default/platform",
        "location:default/search",
        "location:default/shop",
        "location:search/back-to-the-top",
        "resource:default/payment-vendor",
        "resource:default/shop-db",
        "system:default/checkout",
        "system:default/payments",
        "system:search/search",
        "user:default/priya",
    ]
    assert catalog.skipped == 2
    assert catalog.skipped_kinds == {"Template": 1}
    assert dangling_references(catalog, set()) == []


def test_it_reads_a_single_file_whose_folder_is_the_root() -> None:
    catalog = read_catalog(FIXTURES / "shop" / "systems" / "payments.yaml")

    assert catalog.root == (FIXTURES / "shop" / "systems").resolve()
    assert catalog.files == ["payments.yaml"]
    assert [entity.name for entity in catalog.entities] == ["payments", "payments-api", "shop-db", "payment-vendor"]


def test_it_refuses_locations_leaving_the_folder_from_a_single_file() -> None:
    problems = problems_of(FIXTURES / "shop" / "systems" / "more" / "search.yaml")

    assert problems == [
        Problem("search.yaml", 28, "'../../catalog-info.yaml' points outside the catalog folder"),
        Problem("search.yaml", 28, "'../checkout.yaml' points outside the catalog folder"),
    ]


def test_it_refuses_locations_escaping_the_folder_and_urls() -> None:
    assert problems_of(FIXTURES / "escape") == [
        Problem("catalog-info.yaml", 7, "'../shop/catalog-info.yaml' points outside the catalog folder"),
        Problem("catalog-info.yaml", 8, "'/etc/passwd' points outside the catalog folder"),
        Problem(
            "catalog-info.yaml",
            15,
            "'https://github.com/example/shop/blob/main/catalog-info.yaml' is a URL; "
            "only files in the catalog folder are read",
        ),
    ]


LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: here
spec:
  {spec}
"""


def test_it_refuses_a_symbolic_link_leaving_the_folder(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.yaml", COMPONENT.format(name="secret"))
    root = tmp_path / "catalog"
    write(root, "catalog-info.yaml", LOCATION.format(spec="target: ./linked.yaml"))
    (root / "linked.yaml").symlink_to(outside)

    assert problems_of(root) == [
        Problem("catalog-info.yaml", 6, "'./linked.yaml' points outside the catalog folder"),
    ]


def test_it_refuses_url_locations_missing_targets_and_folders(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    write(
        tmp_path,
        "catalog-info.yaml",
        LOCATION.format(spec="targets: [./missing.yaml, ./folder, ./nothing-*.yaml, 12]")
        + "---\n"
        + LOCATION.replace("here", "remote").format(spec="type: url\n  target: ./x.yaml"),
    )

    assert problems_of(tmp_path) == [
        Problem("catalog-info.yaml", 6, "'./missing.yaml' does not exist"),
        Problem("catalog-info.yaml", 6, "'./folder' is a folder; name a file"),
        Problem("catalog-info.yaml", 6, "'./nothing-*.yaml' matches no file"),
        Problem("catalog-info.yaml", 6, "a Location target must be a path, not 12"),
        Problem("catalog-info.yaml", 13, "only file locations are read, not type 'url'"),
    ]


def test_it_follows_glob_targets_and_skips_optional_missing_ones(tmp_path: Path) -> None:
    write(tmp_path, "teams/a.yaml", COMPONENT.format(name="a"))
    write(tmp_path, "teams/b.yaml", COMPONENT.format(name="b"))
    write(
        tmp_path, "catalog-info.yaml", LOCATION.format(spec="presence: optional\n  targets: [teams/*.yaml, gone.yaml]")
    )

    catalog = read_catalog(tmp_path)

    assert catalog.files == ["catalog-info.yaml", "teams/a.yaml", "teams/b.yaml"]
    assert [entity.name for entity in catalog.entities] == ["here", "a", "b"]


def test_it_reads_only_catalog_info_files_of_a_folder_unless_asked_for_all_yaml(tmp_path: Path) -> None:
    write(tmp_path, "a/catalog-info.yaml", COMPONENT.format(name="a"))
    write(tmp_path, "b/catalog-info.yml", COMPONENT.format(name="b"))
    write(tmp_path, "b/other.yaml", COMPONENT.format(name="c"))
    write(tmp_path, "docker-compose.yml", "x-common: &common {}\nservice: *common\n")
    write(tmp_path, ".git/catalog-info.yaml", COMPONENT.format(name="hidden"))

    assert [e.name for e in read_catalog(tmp_path).entities] == ["a", "b"]
    assert [p.message for p in problems_of_all(tmp_path)] == [
        "anchors and aliases (& and *) are not accepted in catalog files"
    ]
    (tmp_path / "docker-compose.yml").unlink()
    assert [e.name for e in read_catalog(tmp_path, all_yaml=True).entities] == ["a", "b", "c"]


def problems_of_all(path: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        read_catalog(path, all_yaml=True)
    return caught.value.problems


def test_it_reports_progress_after_each_file() -> None:
    seen: list[tuple[str, int]] = []

    read_catalog(FIXTURES / "shop", on_file=lambda name, count: seen.append((name, count)))

    assert seen == [
        ("catalog-info.yaml", 2),
        ("org.yaml", 6),
        ("systems/checkout.yaml", 11),
        ("systems/payments.yaml", 15),
        ("systems/more/search.yaml", 18),
    ]


@pytest.mark.parametrize(
    ("kind", "spec_field", "written", "expected"),
    [
        ("Component", "owner", "platform", EntityRef("Group", "default", "platform")),
        ("Component", "owner", "user:priya", EntityRef("User", "default", "priya")),
        ("Component", "system", "checkout", EntityRef("System", "default", "checkout")),
        ("Component", "providesApis", ["checkout-api"], EntityRef("API", "default", "checkout-api")),
        ("Component", "consumesApis", ["other/checkout-api"], EntityRef("API", "other", "checkout-api")),
        ("Component", "subcomponentOf", "shop", EntityRef("Component", "default", "shop")),
        ("Component", "dependsOn", ["Resource:db"], EntityRef("Resource", "default", "db")),
        ("Component", "dependencyOf", ["component:web"], EntityRef("Component", "default", "web")),
        ("Resource", "dependsOn", ["component:x"], EntityRef("Component", "default", "x")),
        ("System", "domain", "shop", EntityRef("Domain", "default", "shop")),
        ("Domain", "subdomainOf", "retail", EntityRef("Domain", "default", "retail")),
        ("Group", "parent", "org", EntityRef("Group", "default", "org")),
        ("Group", "children", ["sub"], EntityRef("Group", "default", "sub")),
        ("Group", "members", ["priya"], EntityRef("User", "default", "priya")),
        ("User", "memberOf", ["platform"], EntityRef("Group", "default", "platform")),
    ],
)
def test_it_resolves_each_fields_default_kind(
    tmp_path: Path, kind: str, spec_field: str, written: object, expected: EntityRef
) -> None:
    spec = {"type": "t", "lifecycle": "production", "owner": "platform", "children": [], "memberOf": []}
    spec = {key: value for key, value in spec.items() if key in _required(kind)}
    spec[spec_field] = written
    document = {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump(document))

    (entity,) = read_catalog(path).entities

    assert entity.targets(spec_field) == [expected]


def _required(kind: str) -> set[str]:
    texts, lists = backstage.REQUIRED_SPEC[kind]
    return {*texts, *lists}


def test_it_resolves_references_in_the_entitys_namespace_and_lines() -> None:
    catalog = read_catalog(FIXTURES / "shop")
    search_api = catalog.by_ref()[("component", "search", "search-api")]

    assert [(r.field, r.target, r.line) for r in search_api.references] == [
        ("owner", EntityRef("Group", "default", "platform"), 17),
        ("system", EntityRef("System", "search", "search"), 18),
        ("dependsOn", EntityRef("Resource", "default", "shop-db"), 19),
    ]


def test_it_parses_references() -> None:
    assert parse_ref("API:Other/Name", default_kind=None) == EntityRef("API", "other", "Name")
    assert parse_ref("widget:x", default_kind="Group") == EntityRef("widget", "default", "x")
    assert parse_ref("x", default_kind="Group", default_namespace="ns") == EntityRef("Group", "ns", "x")
    assert str(EntityRef("API", "default", "x")) == "api:default/x"
    for bad, message in [
        ("x", "'x' needs a kind here, for example 'component:x' or 'resource:x'"),
        ("", "an entity reference must be text like 'group:team-a', not ''"),
        ("1x:y", "'1x:y' has an invalid kind '1x'"),
        ("a b", "'a b' has an invalid name 'a b'"),
        ("ns_1/x", "'ns_1/x' has an invalid namespace 'ns_1'"),
        ("component:", "'component:' has an invalid name ''"),
    ]:
        with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
            parse_ref(bad, default_kind=None)


def test_it_refuses_dependson_without_a_kind_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name="a") + "  dependsOn:\n    - component:b\n    - db\n")

    assert problems_of(path) == [
        Problem("c.yaml", 11, "spec.dependsOn: 'db' needs a kind here, for example 'component:db' or 'resource:db'"),
    ]


def test_it_keeps_annotations_labels_tags_and_links() -> None:
    storefront = read_catalog(FIXTURES / "shop").by_ref()[("component", "default", "storefront")]

    assert storefront.annotations == {
        "backstage.io/techdocs-ref": "dir:./docs/storefront",
        "pagerduty.com/service-id": "PSTORE1",
    }
    assert storefront.annotations[backstage.TECHDOCS_REF] == "dir:./docs/storefront"
    assert storefront.labels == {"tier": "1"}
    assert storefront.tags == ["python", "website"]
    assert storefront.links == [{"url": "https://shop.example.com", "title": "The shop"}]
    assert storefront.title == "Storefront"
    assert storefront.description == "The website customers shop on."


def test_it_reads_scalars_as_yaml_1_2_does(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name="a") + "  on: yes\n  since: 2024-01-31\n  live: true\n")

    (entity,) = read_catalog(path).entities

    assert entity.spec["on"] == "yes"
    assert entity.spec["since"] == "2024-01-31"
    assert entity.spec["live"] is True


def test_it_refuses_an_alias_bomb_naming_file_and_line(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    path = write(tmp_path, "bomb.yaml", COMPONENT.format(name="a") + "---\n" + "\n".join(lines) + "\n")

    assert problems_of(path) == [
        Problem("bomb.yaml", 10, "anchors and aliases (& and *) are not accepted in catalog files"),
    ]


def test_it_refuses_an_anchor_even_without_an_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name="a").replace("type: service", "type: &t service"))

    assert problems_of(path) == [
        Problem("c.yaml", 6, "anchors and aliases (& and *) are not accepted in catalog files"),
    ]


def test_it_refuses_a_file_over_five_mebibytes(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", COMPONENT.format(name="a"))
    with path.open("a") as handle:
        handle.write("# padding\n" * (backstage.MAX_FILE_BYTES // 10))

    size = path.stat().st_size
    assert size > backstage.MAX_FILE_BYTES
    assert problems_of(path) == [Problem("big.yaml", None, f"the file is {size:,} bytes; the limit is 5 MiB")]


def test_it_reads_a_file_just_under_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", COMPONENT.format(name="a"))
    size = path.stat().st_size
    with path.open("a") as handle:
        handle.write("#" * (backstage.MAX_FILE_BYTES - size - 1) + "\n")

    assert path.stat().st_size == backstage.MAX_FILE_BYTES
    assert [e.name for e in read_catalog(path).entities] == ["a"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"apiVersion: backstage.io/v1alpha1\nkind: Component\n# caf\xe9\n", (3, "not valid UTF-8; save it as UTF-8")),
        (b"apiVersion: x\n\x00\x01\x02", (2, "contains NUL bytes: it looks binary, not YAML")),
        ("a: b\n".encode("utf-16"), (None, "the file is UTF-16; save it as UTF-8")),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", (3, "contains NUL bytes: it looks binary, not YAML")),
    ],
)
def test_it_refuses_files_that_are_not_utf8_text(tmp_path: Path, data: bytes, expected: tuple[int, str]) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_bytes(data)

    (problem,) = problems_of(path)

    assert (problem.file, problem.line) == ("catalog-info.yaml", expected[0])
    assert problem.message.endswith(expected[1])


def test_it_accepts_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(COMPONENT.format(name="caf")).lstrip().encode())

    assert [e.name for e in read_catalog(path).entities] == ["caf"]


def test_it_refuses_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(textwrap.dedent(COMPONENT.format(name="a")).lstrip().encode() + b"  x: \x1b[31m\n")

    (problem,) = problems_of(path)

    assert problem.file == "c.yaml"
    assert problem.message.startswith("invalid YAML")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-a",
        "a-",
        "a b",
        "a/b",
        "é",
        "a" * 64,
        "a:b",
        "_a",
        "a.",
        "12345678901234567890123456789012345678901234567890123456789012345",
    ],
)
def test_it_refuses_invalid_names(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name=yaml.safe_dump(name).split("\n")[0]))

    (problem,) = problems_of(path)

    assert problem.line == 1
    assert problem.message.startswith(f"metadata.name {name!r} is invalid")


@pytest.mark.parametrize("name", ["a", "A9", "a-b_c.d", "CircleciBuildsDumpV2_avro_gcs", "a" * 63, "a--b"])
def test_it_accepts_valid_names(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name=name))

    assert [e.name for e in read_catalog(path).entities] == [name]


def test_it_refuses_bad_metadata(tmp_path: Path) -> None:
    text = """
        apiVersion: backstage.io/v1alpha1
        kind: Resource
        metadata:
          name: db
          namespace: Not_valid
          title: [1]
          annotations: {"bad key!": x, ok.example.com/key: 1}
          labels: {tier: "not valid"}
          tags: [Python, ok]
          links: [{title: no url}, {url: https://x, title: 3}]
        spec:
          type: database
          owner: platform
    """
    assert [p.message for p in problems_of(write(tmp_path, "c.yaml", text))] == [
        "metadata.namespace 'Not_valid' is invalid: use letters and digits separated by '-'",
        "metadata.title must be text",
        "metadata.annotations has an invalid key 'bad key!'",
        "metadata.annotations.ok.example.com/key must be text, not 1",
        "metadata.labels.tier has an invalid value 'not valid'",
        "metadata.tags has an invalid tag 'Python': use a-z, 0-9, ':', '+' or '#' separated by '-'",
        "metadata.links[0] needs a url",
        "metadata.links[1] may hold only text",
    ]


@pytest.mark.parametrize(
    ("kind", "spec", "messages"),
    [
        ("Component", "{}", ["type", "lifecycle", "owner"]),
        ("Component", "{type: service, lifecycle: production, owner: ''}", ["owner"]),
        ("API", "{type: openapi, lifecycle: production, owner: x}", []),
        ("Resource", "{owner: x}", ["type"]),
        ("System", "{}", ["owner"]),
        ("Domain", "{owner: 3}", ["owner"]),
        ("Group", "{children: []}", ["type"]),
        ("Group", "{type: team}", ["children (list)"]),
        ("User", "{memberOf: platform}", ["memberOf (list)"]),
    ],
)
def test_it_requires_the_fields_backstage_requires(tmp_path: Path, kind: str, spec: str, messages: list[str]) -> None:
    text = f"apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata: {{name: x}}\nspec: {spec}\n"
    path = write(tmp_path, "c.yaml", text)

    if not messages:
        assert read_catalog(path).entities[0].kind == kind
        return
    expected = [
        f"spec.{m.split()[0]} is required for a {kind}" + (" (a list, which may be empty)" if "list" in m else "")
        for m in messages
    ]
    assert [p.message for p in problems_of(path)] == expected


def test_it_requires_metadata_spec_and_kind(tmp_path: Path) -> None:
    text = """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata: {title: nameless}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata: {name: s}
        ---
        apiVersion: backstage.io/v1alpha1
        metadata: {name: s}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: component
        ---
        apiVersion: backstage.io/v9
        kind: System
    """
    assert problems_of(write(tmp_path, "c.yaml", text)) == [
        Problem("c.yaml", 1, "metadata is required and must be a mapping"),
        Problem("c.yaml", 4, "metadata.name is required"),
        Problem("c.yaml", 4, "spec is required and must be a mapping"),
        Problem("c.yaml", 8, "spec is required and must be a mapping"),
        Problem("c.yaml", 12, "kind is required"),
        Problem("c.yaml", 15, "kind 'component' must be written 'Component'"),
        Problem("c.yaml", 18, "apiVersion 'backstage.io/v9' is not one steadyops reads"),
    ]


def test_it_reports_duplicate_entities_case_insensitively_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a/catalog-info.yaml", COMPONENT.format(name="web"))
    write(tmp_path, "b/catalog-info.yaml", COMPONENT.format(name="Web") + "---\n" + COMPONENT.format(name="api"))

    assert problems_of(tmp_path) == [
        Problem("b/catalog-info.yaml", 1, "component:default/Web is defined twice; first at a/catalog-info.yaml:1"),
    ]


def test_it_reports_bad_yaml_syntax_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", COMPONENT.format(name="a") + "  dependsOn: [component:b\n  other: x\n")

    (problem,) = problems_of(path)

    assert problem.file == "c.yaml"
    assert problem.line == 10
    assert problem.message.startswith("invalid YAML: ")


def test_it_refuses_explicit_tags_duplicate_keys_and_deep_nesting(tmp_path: Path) -> None:
    write(tmp_path, "a/catalog-info.yaml", COMPONENT.format(name="a") + "  x: !!python/object:os.system ls\n")
    write(tmp_path, "b/catalog-info.yaml", COMPONENT.format(name="b") + "  owner: someone-else\n")
    write(tmp_path, "c/catalog-info.yaml", "a: " + "[" * 100 + "]" * 100 + "\n")
    write(tmp_path, "d/catalog-info.yaml", COMPONENT.format(name="d") + "  data: !!binary aGVsbG8=\n")

    assert problems_of(tmp_path) == [
        Problem(
            "a/catalog-info.yaml",
            9,
            "the tag tag:yaml.org,2002:python/object:os.system is not accepted in catalog files",
        ),
        Problem("b/catalog-info.yaml", 9, "duplicate key 'owner'"),
        Problem("c/catalog-info.yaml", 1, "nested more than 64 levels deep"),
        Problem("d/catalog-info.yaml", 9, "the tag tag:yaml.org,2002:binary is not accepted in catalog files"),
    ]


def test_it_lists_every_problem_of_every_file_and_returns_nothing(tmp_path: Path) -> None:
    write(tmp_path, "a/catalog-info.yaml", COMPONENT.format(name="ok") + "---\n" + COMPONENT.format(name="-bad"))
    write(tmp_path, "b/catalog-info.yaml", "key: [unclosed\n")
    write(tmp_path, "c/catalog-info.yaml", COMPONENT.format(name="fine"))

    problems = problems_of(tmp_path)

    assert [(p.file, p.line) for p in problems] == [("a/catalog-info.yaml", 10), ("b/catalog-info.yaml", 2)]
    assert str(CatalogError(problems)).splitlines()[0].startswith("a/catalog-info.yaml:10: metadata.name '-bad'")


def test_it_refuses_a_path_that_does_not_exist(tmp_path: Path) -> None:
    assert [p.message for p in problems_of(tmp_path / "nope")] == ["no such file or folder"]


def test_it_reports_dangling_references_with_file_and_line(tmp_path: Path) -> None:
    text = COMPONENT.format(name="web") + "  system: shop\n  dependsOn: [component:api, resource:db]\n"
    write(tmp_path, "catalog-info.yaml", text + "---\n" + COMPONENT.format(name="api"))
    catalog = read_catalog(tmp_path)

    assert dangling_references(catalog, set()) == [
        Problem(
            "catalog-info.yaml",
            8,
            "component:default/web spec.owner names group:default/platform, which does not exist",
        ),
        Problem(
            "catalog-info.yaml", 9, "component:default/web spec.system names system:default/shop, which does not exist"
        ),
        Problem(
            "catalog-info.yaml",
            10,
            "component:default/web spec.dependsOn names resource:default/db, which does not exist",
        ),
        Problem(
            "catalog-info.yaml",
            19,
            "component:default/api spec.owner names group:default/platform, which does not exist",
        ),
    ]
    known = {EntityRef("Group", "default", "Platform"), EntityRef("System", "default", "shop")}
    assert [p.line for p in dangling_references(catalog, known)] == [10]
    assert dangling_references(catalog, set(), fields=["system"]) == [
        Problem(
            "catalog-info.yaml", 9, "component:default/web spec.system names system:default/shop, which does not exist"
        ),
    ]


def test_it_round_trips_the_shop_through_write_and_read(tmp_path: Path) -> None:
    original = [e for e in read_catalog(FIXTURES / "shop").entities if e.kind != "Location"]

    written = write_catalog(original, tmp_path / "export")
    again = read_catalog(written)

    assert written == tmp_path / "export" / "catalog-info.yaml"
    assert sorted(again.entities, key=lambda e: e.ref.key) == sorted(original, key=lambda e: e.ref.key)
    assert [e.kind for e in again.entities] == ["Domain", "System", "System", "System", "Group", "Group", "Group",
                                                "User", "API", "Component", "Component", "Component", "Component",
                                                "Resource", "Resource"]  # fmt: skip


def test_it_writes_the_fields_backstages_schema_requires(tmp_path: Path) -> None:
    entities = [
        Entity(kind="Component", name="web", spec={"type": "service", "lifecycle": "production", "owner": "platform"}),
        Entity(kind="Group", name="platform", namespace="ops", title="Platform", spec={"type": "team", "children": []}),
    ]

    path = write_catalog(entities, tmp_path)

    assert list(yaml.safe_load_all(path.read_text())) == [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Group",
            "metadata": {"name": "platform", "namespace": "ops", "title": "Platform"},
            "spec": {"type": "team", "children": []},
        },
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "web"},
            "spec": {"type": "service", "lifecycle": "production", "owner": "platform"},
        },
    ]
    assert path.read_text().startswith("---\napiVersion: backstage.io/v1alpha1\nkind: Group\n")


def test_it_refuses_to_write_invalid_entities_and_writes_nothing(tmp_path: Path) -> None:
    entities = [
        Entity(kind="Component", name="web", spec={"type": "service", "lifecycle": "production"}),
        Entity(kind="System", name="bad name", spec={"owner": "x"}),
        Entity(kind="Widget", name="w"),
        Entity(kind="System", name="s", spec={"owner": "x"}),
        Entity(kind="System", name="S", spec={"owner": "x"}),
    ]

    with pytest.raises(CatalogError) as caught:
        write_catalog(entities, tmp_path / "out")

    assert [str(p) for p in caught.value.problems] == [
        "System default/bad name: metadata.name 'bad name' is invalid: use 1-63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit",
        "System default/S: system:default/S appears twice",
        "Component default/web: spec.owner is required for a Component",
        "Widget default/w: kind 'Widget' is not one Backstage defines",
    ]
    assert not (tmp_path / "out").exists()


NAMES = st.from_regex(r"[a-z0-9]([a-z0-9._-]{0,20}[a-z0-9])?", fullmatch=True)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@st.composite
def entities(draw: st.DrawFn) -> list[Entity]:
    kinds = ["Component", "API", "Resource", "System", "Domain", "Group", "User"]
    found: dict[tuple[str, str, str], Entity] = {}
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(kinds))
        namespace = draw(st.sampled_from(["default", "shop", "eu-west"]))
        owner = draw(NAMES)
        spec: dict[str, object] = {
            "Component": {"type": draw(NAMES), "lifecycle": draw(NAMES), "owner": owner},
            "API": {"type": "openapi", "lifecycle": "production", "owner": owner, "definition": draw(TEXT)},
            "Resource": {"type": draw(NAMES), "owner": f"user:{owner}"},
            "System": {"owner": f"{namespace}/{owner}"},
            "Domain": {"owner": owner},
            "Group": {"type": "team", "children": draw(st.lists(NAMES, max_size=3))},
            "User": {"memberOf": draw(st.lists(NAMES, max_size=3))},
        }[kind]
        if kind in ("Component", "Resource"):
            spec["dependsOn"] = [
                f"{k}:{n}"
                for k, n in draw(st.lists(st.tuples(st.sampled_from(["component", "resource"]), NAMES), max_size=3))
            ]
        spec["extra"] = draw(st.one_of(st.none(), st.booleans(), st.integers(), TEXT, st.lists(TEXT, max_size=2)))
        entity = Entity(
            kind=kind,
            namespace=namespace,
            name=draw(NAMES),
            title=draw(st.one_of(st.none(), TEXT)),
            description=draw(st.one_of(st.none(), TEXT)),
            spec=spec,
            annotations=draw(
                st.dictionaries(st.sampled_from(["backstage.io/techdocs-ref", "example.com/x", "k"]), TEXT)
            ),
            labels=draw(st.dictionaries(NAMES, NAMES, max_size=2)),
            tags=draw(st.lists(st.from_regex(r"[a-z0-9+#]{1,10}", fullmatch=True), max_size=3)),
            links=draw(st.lists(st.builds(lambda u, t: {"url": f"https://{u}", "title": t}, NAMES, TEXT), max_size=2)),
        )
        found.setdefault(entity.ref.key, entity)
    return list(found.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=entities())
def test_it_round_trips_generated_entities(tmp_path: Path, generated: list[Entity]) -> None:
    folder = tmp_path / "round-trip"
    written = write_catalog(generated, folder)

    again = read_catalog(written).entities

    assert sorted(again, key=lambda e: e.ref.key) == sorted(generated, key=lambda e: e.ref.key)
    assert sorted(str(r.target) for e in again for r in e.references) == sorted(
        str(r.target) for e in generated for r in e.references
    )


def test_it_applies_the_same_rules_with_the_pure_python_loader() -> None:
    text = "a: yes\nb: 2024-01-31\nc: true\n"

    assert yaml.load(text, Loader=safe_yaml.SafeCatalogLoader) == {"a": "yes", "b": "2024-01-31", "c": True}
    for refused, message in [
        ("a: &x 1\nb: *x\n", "anchors and aliases"),
        ("a: !!binary aGVsbG8=\n", "the tag tag:yaml.org,2002:binary"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", "nested more than 64 levels deep"),
    ]:
        with pytest.raises(yaml.MarkedYAMLError, match=message):
            yaml.load(refused, Loader=safe_yaml.SafeCatalogLoader)
