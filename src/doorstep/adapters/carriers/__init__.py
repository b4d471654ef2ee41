"""Partner carriers' APIs: per kind of carrier a pure translator of its wire format and one
IO class (``services.ports.CarrierGateway``), plus the hand-off manifests as PDF."""
