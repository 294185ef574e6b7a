"""Simulated devices shipped with the package: a Quasar with its car battery, a house with a heat pump,
rooftop solar, the home that puts them behind one meter, and in-process drivers for the engine."""

from evse_tui.sim.battery import Battery
from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home
from evse_tui.sim.home import SimHome
from evse_tui.sim.house import ApplianceRun, House
from evse_tui.sim.quasar import SimQuasar, SimRegisterError
from evse_tui.sim.solar import Solar

__all__ = [
    "ApplianceRun",
    "Battery",
    "House",
    "SimCharger",
    "SimHome",
    "SimPowerMonitor",
    "SimQuasar",
    "SimRegisterError",
    "Solar",
    "build_demo_home",
]
