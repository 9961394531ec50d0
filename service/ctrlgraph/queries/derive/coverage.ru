# Precompute, at load time, how many frameworks and requirements each common
# control serves (mappings other than "no relationship"): the ranking of
# every control (/v1/controls) reads these two numbers.
# Per-control totals only (2 triples per control), not one coverage node per
# (control, framework) pair (5 triples each:
# 2.4 M quads at 700 frameworks); shared_controls.rq next to this file counts
# the given frameworks' mappings directly.
PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>

DROP SILENT GRAPH {{derived}} ;

INSERT {
  GRAPH {{derived}} {
    ?control cg:frameworkCount ?frameworks ;
      cg:requirementCount ?requirements .
  }
}
WHERE {
  SELECT ?control (COUNT(DISTINCT ?framework) AS ?frameworks) (COUNT(DISTINCT ?requirement) AS ?requirements)
  WHERE {
    GRAPH ?links {
      ?mapping cg:control ?control ;
        cg:requirement ?requirement ;
        cg:relationship ?relationship .
    }
    FILTER (?relationship != cg:noRelationship)
    GRAPH ?frameworks {
      ?requirement skos:inScheme ?framework .
      ?framework dcterms:identifier ?frameworkId .
    }
    # On a remote server the update reads every graph: only ctrlgraph's reference
    # graphs, never an organization's. The embedded store keeps tenant graphs in a
    # store of their own, so loader.derive_update drops these lines there (they
    # cost a fifth of the derive at 700 frameworks: four string tests per mapping).
    FILTER (STRSTARTS(STR(?links), "https://w3id.org/ctrlgraph/graph/"))  # remote only
    FILTER (STRSTARTS(STR(?frameworks), "https://w3id.org/ctrlgraph/graph/"))  # remote only
    FILTER (!STRSTARTS(STR(?links), "https://w3id.org/ctrlgraph/graph/org/"))  # remote only
    FILTER (!STRSTARTS(STR(?frameworks), "https://w3id.org/ctrlgraph/graph/org/"))  # remote only
  }
  GROUP BY ?control
}
