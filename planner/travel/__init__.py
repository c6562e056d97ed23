"""Travel planner: natural-language request -> TripSpec -> z3 encoding -> verified itinerary."""
