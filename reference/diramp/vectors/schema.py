"""DEF-VECTORS: the JSON Schema (draft 2020-12) of the vector files, format version 1.

Kept in the package so that ``diramp vectors generate`` writes it beside the
files (``schema/vectors-v1.schema.json``) and ``verify`` can validate any
directory.  Bump the version (a new file name) for any incompatible change.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_TEXT = r'''
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://diramp.invalid/spec/vectors/schema/vectors-v1.schema.json",
  "title": "diramp test vectors, format version 1 (DEF-VECTORS)",
  "description": "Wycheproof-style vector files, one per component; see spec/vectors/README.md.",
  "type": "object",
  "required": [
    "algorithm",
    "schema",
    "generatorVersion",
    "numberOfTests",
    "header",
    "notes",
    "testGroups"
  ],
  "additionalProperties": false,
  "properties": {
    "algorithm": {
      "enum": [
        "SV-BOUNDS",
        "MDL-STATISTICS",
        "ETA-RECONSTRUCTED",
        "OUTPUT-LENGTH",
        "EXTRACTOR-THM2",
        "END-TO-END",
        "EXTRACTOR-CIRCULANT"
      ]
    },
    "schema": {
      "const": "schema/vectors-v1.schema.json"
    },
    "generatorVersion": {
      "type": "string",
      "pattern": "^diramp-vectors [0-9]+\\.[0-9]+$"
    },
    "numberOfTests": {
      "type": "integer",
      "minimum": 1
    },
    "header": {
      "type": "array",
      "items": {
        "type": "string"
      }
    },
    "notes": {
      "type": "object",
      "propertyNames": {
        "pattern": "^[A-Z][A-Za-z0-9]*$"
      },
      "additionalProperties": {
        "type": "string",
        "minLength": 1
      }
    },
    "testGroups": {
      "type": "array",
      "minItems": 1,
      "items": {
        "$ref": "#/$defs/group"
      }
    }
  },
  "$defs": {
    "rational": {
      "type": "string",
      "pattern": "^-?[0-9]+(/[0-9]+)?$"
    },
    "number": {
      "type": "string",
      "pattern": "^-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?$|^-?[0-9]+(/[0-9]+)?$"
    },
    "decimal": {
      "type": "string",
      "pattern": "^-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?$"
    },
    "exact": {
      "type": "object",
      "required": [
        "rational",
        "decimal"
      ],
      "additionalProperties": false,
      "properties": {
        "rational": {
          "$ref": "#/$defs/rational"
        },
        "decimal": {
          "oneOf": [
            {
              "$ref": "#/$defs/decimal"
            },
            {
              "type": "null"
            }
          ]
        }
      }
    },
    "interval": {
      "type": "object",
      "required": [
        "lo",
        "hi"
      ],
      "additionalProperties": false,
      "properties": {
        "lo": {
          "$ref": "#/$defs/decimal"
        },
        "hi": {
          "$ref": "#/$defs/decimal"
        }
      }
    },
    "hexBits": {
      "type": "object",
      "required": [
        "hex",
        "bitLength"
      ],
      "additionalProperties": false,
      "properties": {
        "hex": {
          "type": "string",
          "pattern": "^([0-9a-f]{2})*$"
        },
        "bitLength": {
          "type": "integer",
          "minimum": 0
        }
      }
    },
    "generatedBits": {
      "type": "object",
      "required": [
        "generator",
        "seed",
        "bitLength"
      ],
      "additionalProperties": false,
      "properties": {
        "generator": {
          "const": "SHAKE-256"
        },
        "seed": {
          "type": "string"
        },
        "bitLength": {
          "type": "integer",
          "minimum": 0
        }
      }
    },
    "bits": {
      "oneOf": [
        {
          "$ref": "#/$defs/hexBits"
        },
        {
          "$ref": "#/$defs/generatedBits"
        }
      ]
    },
    "counts": {
      "type": "object",
      "propertyNames": {
        "pattern": "^[01]{4}$"
      },
      "additionalProperties": {
        "type": "integer"
      },
      "minProperties": 16,
      "maxProperties": 16
    },
    "group": {
      "type": "object",
      "required": [
        "type",
        "parameters",
        "tests"
      ],
      "properties": {
        "type": {
          "type": "string"
        },
        "parameters": {
          "type": "object"
        },
        "tolerance": {
          "type": "object",
          "additionalProperties": {
            "$ref": "#/$defs/number"
          }
        },
        "rounding": {
          "type": "object",
          "additionalProperties": {
            "type": "string"
          }
        },
        "tests": {
          "type": "array",
          "minItems": 1,
          "items": {
            "$ref": "#/$defs/test"
          }
        }
      },
      "additionalProperties": false
    },
    "test": {
      "type": "object",
      "required": [
        "tcId",
        "comment",
        "flags",
        "input",
        "expected",
        "result"
      ],
      "additionalProperties": false,
      "properties": {
        "tcId": {
          "type": "integer",
          "minimum": 1
        },
        "comment": {
          "type": "string"
        },
        "flags": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "uniqueItems": true
        },
        "input": {
          "type": "object"
        },
        "expected": {
          "type": "object"
        },
        "result": {
          "enum": [
            "valid",
            "invalid",
            "acceptable"
          ]
        },
        "reference": {
          "enum": [
            "galois",
            "loop"
          ]
        },
        "simulation": {
          "type": "object"
        }
      },
      "allOf": [
        {
          "if": {
            "properties": {
              "result": {
                "const": "invalid"
              }
            }
          },
          "then": {
            "properties": {
              "expected": {
                "anyOf": [
                  {
                    "required": [
                      "error"
                    ],
                    "properties": {
                      "error": {
                        "type": "string"
                      }
                    },
                    "additionalProperties": false
                  },
                  {
                    "required": [
                      "abort"
                    ],
                    "properties": {
                      "abort": {
                        "const": true
                      }
                    }
                  }
                ]
              }
            }
          }
        },
        {
          "if": {
            "properties": {
              "result": {
                "enum": [
                  "valid",
                  "acceptable"
                ]
              }
            }
          },
          "then": {
            "properties": {
              "expected": {
                "not": {
                  "required": [
                    "error"
                  ]
                }
              }
            }
          }
        },
        {
          "properties": {
            "input": {
              "properties": {
                "x": {
                  "$ref": "#/$defs/bits"
                },
                "y": {
                  "$ref": "#/$defs/bits"
                },
                "a": {
                  "$ref": "#/$defs/hexBits"
                },
                "b": {
                  "$ref": "#/$defs/hexBits"
                },
                "z": {
                  "$ref": "#/$defs/hexBits"
                },
                "counts": {
                  "$ref": "#/$defs/counts"
                },
                "mu": {
                  "$ref": "#/$defs/number"
                },
                "n": {
                  "type": "integer"
                },
                "m": {
                  "type": "integer"
                },
                "d": {
                  "type": "integer"
                }
              }
            }
          }
        },
        {
          "properties": {
            "expected": {
              "properties": {
                "muMin": {
                  "$ref": "#/$defs/exact"
                },
                "muMax": {
                  "$ref": "#/$defs/exact"
                },
                "sMuObs": {
                  "$ref": "#/$defs/exact"
                },
                "chsh": {
                  "oneOf": [
                    {
                      "$ref": "#/$defs/exact"
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "sGrid": {
                  "$ref": "#/$defs/exact"
                },
                "seedMinEntropy": {
                  "$ref": "#/$defs/interval"
                },
                "eta": {
                  "$ref": "#/$defs/interval"
                },
                "t": {
                  "$ref": "#/$defs/interval"
                },
                "mPrime": {
                  "oneOf": [
                    {
                      "$ref": "#/$defs/interval"
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "k": {
                  "type": "integer"
                },
                "m": {
                  "type": "integer",
                  "minimum": 0
                },
                "bin": {
                  "type": "integer",
                  "minimum": 0
                },
                "epsAchieved": {
                  "oneOf": [
                    {
                      "$ref": "#/$defs/decimal"
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "epsTotal": {
                  "oneOf": [
                    {
                      "$ref": "#/$defs/decimal"
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "out": {
                  "$ref": "#/$defs/hexBits"
                },
                "outSha256": {
                  "type": "string",
                  "pattern": "^[0-9a-f]{64}$"
                },
                "kSha256": {
                  "type": "string",
                  "pattern": "^[0-9a-f]{64}$"
                },
                "counts": {
                  "$ref": "#/$defs/counts"
                },
                "abort": {
                  "type": "boolean"
                }
              }
            }
          }
        }
      ]
    }
  }
}
'''

#: The schema as a dict.
SCHEMA: dict[str, Any] = json.loads(SCHEMA_TEXT)
