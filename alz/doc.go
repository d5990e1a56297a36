// Package alz reads the Azure Landing Zones library format (architecture
// definitions, archetype definitions and overrides, policy assignments,
// policy and policy set definitions, default policy values) and Azure's
// built-in policy definitions, and computes the policy assignments in
// effect at a management group: those of every archetype on the path from
// the root of the hierarchy down to it, with parameters resolved.
//
// It interoperates with the library as published (for example a checkout
// of Azure-Landing-Zones-Library's platform/alz); it does not deploy
// anything.
package alz
