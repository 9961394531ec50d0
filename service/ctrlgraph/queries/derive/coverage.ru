# Precompute, at load time, which frameworks each common control serves and
# how many requirements in each (mappings other than "no relationship").
# The shared-controls ranking reads these rows instead of aggregating every
# mapping on each request. {{derived}} is the derived graph's IRI.
PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>

DROP SILENT GRAPH {{derived}} ;

INSERT {
  GRAPH {{derived}} {
    ?coverage a cg:ControlFrameworkCoverage ;
      cg:ofControl ?control ;
      cg:ofFramework ?framework ;
      cg:requirementCount ?requirements ;
      cg:maxStrength ?maxStrength .
  }
}
WHERE {
  SELECT ?control ?framework (COUNT(DISTINCT ?requirement) AS ?requirements)
         (MAX(?strength) AS ?maxStrength)
         (IRI(CONCAT(STR(?control), "/coverage/", STR(?frameworkId))) AS ?coverage)
  WHERE {
    GRAPH ?links {
      ?mapping cg:control ?control ;
        cg:requirement ?requirement ;
        cg:relationship ?relationship ;
        cg:strength ?strength .
    }
    FILTER (?relationship != cg:noRelationship)
    GRAPH ?frameworks {
      ?requirement skos:inScheme ?framework .
      ?framework dcterms:identifier ?frameworkId .
    }
    FILTER (STRSTARTS(STR(?links), "https://w3id.org/ctrlgraph/graph/"))
    FILTER (STRSTARTS(STR(?frameworks), "https://w3id.org/ctrlgraph/graph/"))
    FILTER (!STRSTARTS(STR(?links), "https://w3id.org/ctrlgraph/graph/org/"))
  }
  GROUP BY ?control ?framework ?frameworkId
} ;

INSERT {
  GRAPH {{derived}} {
    ?control cg:frameworkCount ?frameworks ;
      cg:requirementCount ?requirements .
  }
}
WHERE {
  SELECT ?control (COUNT(?framework) AS ?frameworks) (SUM(?n) AS ?requirements)
  WHERE {
    GRAPH {{derived}} {
      ?coverage cg:ofControl ?control ;
        cg:ofFramework ?framework ;
        cg:requirementCount ?n .
    }
  }
  GROUP BY ?control
}
