"""npkg vocabulary terms as IRI strings.

Plain strings (not an rdflib ``DefinedNamespace``) so that the query path never imports
rdflib. ``term()`` refuses names the ontology does not declare, which turns a typo into an
error as ``DefinedNamespace(_fail=True)`` would; ``tests/test_vocab.py`` checks that this list
and ``ontology/npkg-edit.ttl`` declare the same terms.
"""

from __future__ import annotations

from npkg.prefixes import NPKG

CLASSES = (
    "Drug", "Condition", "Finding", "EfficacyFinding", "HarmFinding", "Source", "Recommendation",
    "MechanismPath", "MechanismStep", "SafetyStatement", "AdverseEffectStatement", "OverdoseStatement",
    "CautionStatement", "InteractionStatement", "AdverseEffect", "AdverseEffectKind", "PatientGroup",
    "MolecularTarget", "BiologicalProcess", "AnatomicalSite", "Category", "Measure", "OutcomeKind",
    "EvidenceStatus", "Onset", "SiteKind",
    "Antidepressant", "TricyclicAntidepressant", "TertiaryAmineTCA", "SecondaryAmineTCA", "SNRI", "SSRI",
    "OtherAntidepressant", "Anticonvulsant", "Gabapentinoid", "SodiumChannelBlockerAnticonvulsant",
    "Opioid", "WeakOpioid", "StrongOpioid", "LocalAgent", "TopicalAgent", "LocallyInjectedAgent",
    "ChronicPainCondition", "NeuropathicPain", "PeripheralNeuropathicPain", "CentralNeuropathicPain",
    "PainfulDiabeticNeuropathy", "PostherpeticNeuralgia", "TrigeminalNeuralgia", "PeripheralNerveInjuryPain",
    "Stroke", "SpinalCordInjury", "HIVInfection", "CentralPostStrokePain", "SpinalCordInjuryPain",
    "HIVAssociatedNeuropathy", "ChemotherapyInducedPeripheralNeuropathy", "AtypicalFacialPain",
    "Fibromyalgia", "PainfulDiabeticNeuropathyOrFibromyalgia",
)
OBJECT_PROPERTIES = (
    "causedBy", "intervention", "comparator", "condition", "measure", "outcomeKind", "source",
    "adverseEffect", "adverseEffectKind", "patientGroup", "interactsWith", "subject", "agent", "path",
    "target", "process", "site", "siteKind", "onset", "status", "conflictsWith",
)
DATA_PROPERTIES = (
    "pointEstimate", "ciLower", "ciUpper", "ciLevel", "studyCount", "participantCount",
    "outcomeDefinition", "interventionDetail", "comparatorLabel", "population", "studyDesign", "duration",
    "sourceLocation", "pmid", "doi", "authors", "year", "journal", "sourceKind", "seenIn",
    "recommendationLine", "recommendationStrength", "evidenceQuality", "guideline", "stepOrder", "action",
    "species", "evidenceModel", "onsetNote", "doseLimiting", "mechanismNote", "note",
)
INDIVIDUALS = (
    "NNT", "NNH", "RiskRatio", "OddsRatio", "RiskDifference", "MeanDifference", "StandardisedMeanDifference",
    "PainRelief50", "PainRelief30", "ModerateRelief", "GlobalImprovement", "WithdrawalAdverseEvents",
    "AnyAdverseEvent", "SeriousAdverseEvent", "SpecificAdverseEvent", "AdverseEventUnspecified",
    "WithdrawalLackOfEfficacy", "OtherOutcome", "Supported", "NotSupported", "Disputed", "RapidOnset",
    "DelayedOnset", "OnsetNotStated", "Central", "Peripheral", "Placebo",
)
ALL_TERMS = frozenset(CLASSES + OBJECT_PROPERTIES + DATA_PROPERTIES + INDIVIDUALS)


def term(name: str) -> str:
    """IRI of an npkg vocabulary term; a name the ontology lacks is a programming error.

    >>> term("Finding")
    'https://w3id.org/npkg/Finding'
    """
    if name not in ALL_TERMS:
        raise KeyError(f"{name!r} is not an npkg vocabulary term")
    return NPKG + name


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
RDFS_SUBCLASSOF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
RDFS_SEEALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
OWL = "http://www.w3.org/2002/07/owl#"
OWL_CLASS = OWL + "Class"
OWL_NAMED_INDIVIDUAL = OWL + "NamedIndividual"
OWL_ONTOLOGY = OWL + "Ontology"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_ALTLABEL = SKOS + "altLabel"
IAO_DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
MAPPING_PREDICATES = {
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:broadMatch": SKOS + "broadMatch",
    "skos:narrowMatch": SKOS + "narrowMatch",
    "skos:relatedMatch": SKOS + "relatedMatch",
}
