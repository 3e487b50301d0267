"""Synthetic bench data at scale: `manage.py seed_bench --scale S [--seed N]`.

At scale 1: 100 tables, 200,000 users, 1,000 institutions (and 400 organisations),
500,000 concerns (30% restricted, 10% anonymous) with 2,000,000 supports, 20,000
sessions, 50,000 agreements, 100,000 commitments with 300,000 action updates, and
the seven standard indicators of every table (700) with 60 monthly figures each.
Every count scales linearly with S (rounded half up, at least 1 where one is needed).

How the data is made
--------------------
Tables go through mesa.services.table_create (role groups and their guardian
permissions, the five standing subcommittees, the default indicators, the first
secretariat membership), extra subcommittees through subcommittees.services
.subcommittee_create and coordinators through subcommittee_set_coordinators:
what the app makes, made by the app. Everything else is generated here, row by
row, with one `random.Random` per step seeded from `--seed` and the step's name,
and written with PostgreSQL COPY (psycopg 3 `cursor.copy()`), in one transaction.

Tables are skewed (Zipf: bench-001 is the largest, with about a fifth of the people
and concerns). Dates cover each table's life (up to about four years) and are made
on the table's wall clock (sessions at 10:00 or 17:00 local time, figures by local
month). They are relative to the day the seed runs (midnight UTC, `--today` to pin
it): the same seed on the same day gives the same data.

Every row is what the services would have written: statuses only move along the
allowed transitions and leave the concern timeline (ConcernEvent) the services
write; support_count is the number of supports; a commitment's delivered quantity
is the sum of its updates, its first_update_at the first one, an open commitment
has no updates; codes and numbers follow meetings.services (PL-2026-07, PL-2026-07/3,
PL-2026-07/3-1); reporters follow their concerns as concern_raise makes them, and so do
supporters as support_add makes them (one in twenty has stopped since); members sit in
exactly the guardian groups mesa.services._sync_groups gives their role.

Constraints, indexes, triggers and history
------------------------------------------
- Foreign keys, unique constraints and secondary indexes of the bulk-loaded tables (users,
  memberships and their changes and groups, and every concern, meeting, commitment and
  indicator table we fill) are dropped before their COPY and created again afterwards from
  their own definitions (pg_get_constraintdef / pg_get_indexdef): the schema ends up exactly
  as migrated (the tests compare it), and every row is checked against every constraint once,
  set by set, instead of row by row. CHECK constraints stay in place throughout.
- History (mesa.history, pghistory) is kept: its triggers fire for every row we write, so
  each record of a tracked model has its `insert` event (and an `update` event where we update
  it: an indicator's baseline) in an intact hash chain, and `manage.py verify_history` finds
  nothing to report. What is missing is the event a record would have had for each of its
  earlier states (a commitment is written once, in its final state). The events carry the
  context {"url": "seed_bench"}. The hash-chain trigger finds a record's previous event with a
  plan chosen from the event table's statistics; on a table that has none that plan is a
  backward scan of the whole table for every row (quadratic), so each tracked table gets a
  first small batch, then ANALYZE of its event table, then the rest. Event tables keep their
  indexes.
- The pgtrigger protections (no delete, no truncate, no rewriting of agreements, commitments,
  updates, approved minutes) are never switched off: the seed only inserts those rows.
- The concern search vector: the trigger of concerns migration 0001 is switched off for the
  one COPY that writes the concerns, which gives each row the vector the trigger would have
  computed. PostgreSQL computes the title part (weight A) and the description part (weight B)
  with the trigger's own expression, once per distinct text (descriptions come from a pool of
  a few hundred texts per language and theme); the seed joins them as tsvector `||` does (the
  description's positions shifted past the title's largest position; PostgreSQL merges equal
  lexemes when it reads the vector). The tests compare every vector with the trigger's
  expression at scale 0.01; the seed checks a sample of 2,000 at any scale, and fails if one
  differs.
- Nothing else is bypassed.

What is left out: evidence files (no files on disk), invitations, reminders
(the planners can plan them over this data), inbox messages, API tokens.

Accounts: every user has an unusable password, except the load test's accounts,
which share one hash of BENCH_PASSWORD: MEMBER_EMAIL (a citizen of bench-001, the
contract of the load test) and, at bench-001 too, a secretariat member, a
coordinator and a verified official (ROLE_EMAILS). Every user has a verified email
address (joining a table needs one). Anonymous concerns get a random receipt hash
(scrypt of a code nobody has, as with a code the reporter lost), except the first
few of bench-001, whose codes (`receipt_codes(seed)`) are hashed for real.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import re
import time
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import islice

import psycopg
from psycopg import pq, sql

# --- The spec --------------------------------------------------------------------------------

SCALE_ONE = {
    "tables": 100,
    "users": 200_000,
    "institutions": 1_000,
    "organisations": 400,
    "concerns": 500_000,
    "supports": 2_000_000,
    "sessions": 20_000,
    "agreements": 50_000,
    "commitments": 100_000,
    "updates": 300_000,
    "indicators": 700,
}
OBSERVATION_MONTHS = 60
RESTRICTED_SHARE, ANONYMOUS_SHARE = 0.3, 0.1

SLUG_PREFIX = "bench-"
BENCH_PASSWORD = "mesa-bench-2026"  # noqa: S105 - bench data only
MEMBER_EMAIL = "miembro@bench.mesa.mx"
ROLE_EMAILS = {
    "secretariat": "secretaria@bench.mesa.mx",
    "coordinator": "coordinador@bench.mesa.mx",
    "official": "funcionario@bench.mesa.mx",
}
RECEIPT_CODES = 3  # anonymous concerns of bench-001 with a real receipt code
HISTORY_CONTEXT = {"url": "seed_bench"}
SEARCH_TRIGGER = "concerns_concern_search_vector"  # concerns migration 0001
DAY = 86_400.0
HOUR = 3_600.0


def scaled_counts(scale: float) -> dict[str, int]:
    """The spec at `scale`: each count rounded half up, at least 1."""
    return {key: max(1, math.floor(value * scale + 0.5)) for key, value in SCALE_ONE.items()}


def table_slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number:03d}"


def receipt_codes(seed: int) -> list[str]:
    """The receipt codes of the first anonymous concerns of bench-001 (deterministic)."""
    from concerns import receipts

    rng = random.Random(f"{seed}:receipts")
    alphabet = receipts._ALPHABET
    codes = []
    for _ in range(RECEIPT_CODES):
        raw = "".join(rng.choice(alphabet) for _ in range(20))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 20, 4)))
    return codes


# --- Words ---------------------------------------------------------------------------------

# city, state, time zone, country, language
CITIES = [
    ("Ciudad Juárez", "Chihuahua", "America/Ciudad_Juarez", "MX", "es"),
    ("Monterrey", "Nuevo León", "America/Monterrey", "MX", "es"),
    ("Guadalajara", "Jalisco", "America/Mexico_City", "MX", "es"),
    ("Tijuana", "Baja California", "America/Tijuana", "MX", "es"),
    ("Ciudad de México", "Ciudad de México", "America/Mexico_City", "MX", "es"),
    ("Puebla", "Puebla", "America/Mexico_City", "MX", "es"),
    ("León", "Guanajuato", "America/Mexico_City", "MX", "es"),
    ("Culiacán", "Sinaloa", "America/Mazatlan", "MX", "es"),
    ("Acapulco", "Guerrero", "America/Mexico_City", "MX", "es"),
    ("Chihuahua", "Chihuahua", "America/Chihuahua", "MX", "es"),
    ("Hermosillo", "Sonora", "America/Hermosillo", "MX", "es"),
    ("Mexicali", "Baja California", "America/Tijuana", "MX", "es"),
    ("Cancún", "Quintana Roo", "America/Cancun", "MX", "es"),
    ("Mérida", "Yucatán", "America/Merida", "MX", "es"),
    ("Reynosa", "Tamaulipas", "America/Matamoros", "MX", "es"),
    ("Matamoros", "Tamaulipas", "America/Matamoros", "MX", "es"),
    ("Nuevo Laredo", "Tamaulipas", "America/Matamoros", "MX", "es"),
    ("Torreón", "Coahuila", "America/Monterrey", "MX", "es"),
    ("Saltillo", "Coahuila", "America/Monterrey", "MX", "es"),
    ("Zapopan", "Jalisco", "America/Mexico_City", "MX", "es"),
    ("Querétaro", "Querétaro", "America/Mexico_City", "MX", "es"),
    ("Morelia", "Michoacán", "America/Mexico_City", "MX", "es"),
    ("Uruapan", "Michoacán", "America/Mexico_City", "MX", "es"),
    ("Celaya", "Guanajuato", "America/Mexico_City", "MX", "es"),
    ("Irapuato", "Guanajuato", "America/Mexico_City", "MX", "es"),
    ("Mazatlán", "Sinaloa", "America/Mazatlan", "MX", "es"),
    ("Ciudad Obregón", "Sonora", "America/Hermosillo", "MX", "es"),
    ("Nogales", "Sonora", "America/Hermosillo", "MX", "es"),
    ("Veracruz", "Veracruz", "America/Mexico_City", "MX", "es"),
    ("Xalapa", "Veracruz", "America/Mexico_City", "MX", "es"),
    ("Coatzacoalcos", "Veracruz", "America/Mexico_City", "MX", "es"),
    ("Oaxaca de Juárez", "Oaxaca", "America/Mexico_City", "MX", "es"),
    ("Tuxtla Gutiérrez", "Chiapas", "America/Mexico_City", "MX", "es"),
    ("Tapachula", "Chiapas", "America/Mexico_City", "MX", "es"),
    ("Villahermosa", "Tabasco", "America/Mexico_City", "MX", "es"),
    ("San Luis Potosí", "San Luis Potosí", "America/Mexico_City", "MX", "es"),
    ("Aguascalientes", "Aguascalientes", "America/Mexico_City", "MX", "es"),
    ("Zacatecas", "Zacatecas", "America/Mexico_City", "MX", "es"),
    ("Durango", "Durango", "America/Monterrey", "MX", "es"),
    ("Toluca", "Estado de México", "America/Mexico_City", "MX", "es"),
    ("Ecatepec", "Estado de México", "America/Mexico_City", "MX", "es"),
    ("Nezahualcóyotl", "Estado de México", "America/Mexico_City", "MX", "es"),
    ("Cuernavaca", "Morelos", "America/Mexico_City", "MX", "es"),
    ("Tepic", "Nayarit", "America/Mazatlan", "MX", "es"),
    ("La Paz", "Baja California Sur", "America/Mazatlan", "MX", "es"),
    ("Colima", "Colima", "America/Mexico_City", "MX", "es"),
    ("Pachuca", "Hidalgo", "America/Mexico_City", "MX", "es"),
    ("Tlaxcala", "Tlaxcala", "America/Mexico_City", "MX", "es"),
    ("Campeche", "Campeche", "America/Merida", "MX", "es"),
    ("Chetumal", "Quintana Roo", "America/Cancun", "MX", "es"),
    ("Ensenada", "Baja California", "America/Tijuana", "MX", "es"),
    ("Chilpancingo", "Guerrero", "America/Mexico_City", "MX", "es"),
    ("Medellín", "Antioquia", "America/Bogota", "CO", "es"),
    ("Barcelona", "Cataluña", "Europe/Madrid", "ES", "es"),
    ("El Paso", "Texas", "America/Denver", "US", "en"),
    ("San Diego", "California", "America/Los_Angeles", "US", "en"),
]
ZONES = ["Zona Centro", "Zona Norte", "Zona Sur", "Zona Oriente", "Zona Poniente", "Zona Metropolitana"]

COLONIA_NAMES = [
    "Centro", "Obrera", "Industrial", "Del Valle", "Las Flores", "San Antonio", "San Felipe", "Santa Rosa",
    "Guadalupe", "La Joya", "Lomas del Valle", "Jardines del Sur", "Infonavit Norte", "Las Torres",
    "Villa Esperanza", "Hidalgo", "Morelos", "Benito Juárez", "Emiliano Zapata", "Francisco Villa",
    "Independencia", "Revolución", "Progreso", "Nuevo Amanecer", "Bellavista", "Buenos Aires", "El Mirador",
    "Los Pinos", "Las Palmas", "Valle Verde", "Praderas", "Campestre", "Ferrocarril", "Aeropuerto",
    "Altavista", "Chapultepec", "Reforma", "Moderna", "Mexicanos Unidos", "Tierra y Libertad", "Solidaridad",
    "Lázaro Cárdenas", "Primero de Mayo", "Veinte de Noviembre", "Loma Bonita", "Parajes del Sur",
    "Riberas del Bravo", "Anapra", "Salvárcar", "Felipe Ángeles", "Toribio Ortega", "División del Norte",
    "Insurgentes", "Constitución", "El Porvenir", "La Cañada", "Santa Fe", "San Isidro", "Arboledas",
    "Granjas", "Los Álamos", "Niños Héroes", "Margaritas", "Fovissste", "Ampliación Juárez", "El Sauzal",
]
COLONIA_SUFFIXES = ["", " Norte", " Sur", " Oriente", " Poniente", " Primera Sección", " Segunda Sección",
                    " Ampliación", " II", " III"]
STREETS = [
    "Avenida Juárez", "Calle Hidalgo", "Boulevard Independencia", "Avenida de las Torres", "Calle Morelos",
    "Avenida Tecnológico", "Calle 16 de Septiembre", "Avenida Reforma", "Calle Allende", "Boulevard Zaragoza",
    "Avenida López Mateos", "Calle Ocampo", "Avenida Universidad", "Calle Mina", "Calle Aldama",
    "Avenida Insurgentes", "Calle Guerrero", "Avenida de la Paz", "Calle Matamoros", "Boulevard Colosio",
]
FIRST_NAMES = [
    "María", "José", "Juan", "Guadalupe", "Francisco", "Ana", "Luis", "Rosa", "Carlos", "Laura", "Jorge",
    "Patricia", "Miguel", "Leticia", "Alejandro", "Verónica", "Fernando", "Gabriela", "Ricardo", "Claudia",
    "Roberto", "Adriana", "Eduardo", "Silvia", "Héctor", "Martha", "Manuel", "Alejandra", "Javier", "Sofía",
    "Daniel", "Mariana", "Raúl", "Fernanda", "Arturo", "Daniela", "Sergio", "Valeria", "Pedro", "Lucía",
]
LAST_NAMES = [
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
    "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
    "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Castillo", "Romero", "Moreno", "Chávez", "Rivera", "Ramos",
    "Herrera", "Medina", "Vargas", "Castro", "Guzmán", "Fernández", "Muñoz", "Salazar", "Rojas", "Soto",
]
ENGLISH_FIRST = ["John", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen", "James", "Emily"]
ENGLISH_LAST = ["Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark", "Lee"]

# name, acronym, level ("{city}", "{state}" filled in)
INSTITUTIONS_ES = [
    ("Fiscalía General de la República", "FGR", "federal"),
    ("Guardia Nacional", "GN", "federal"),
    ("Fiscalía General del Estado de {state}", "FGE", "state"),
    ("Secretaría de Seguridad Pública del Estado de {state}", "SSPE", "state"),
    ("Secretaría de Seguridad Pública Municipal de {city}", "SSPM", "municipal"),
    ("Dirección de Alumbrado Público de {city}", "DAP", "municipal"),
    ("Comisión Estatal de los Derechos Humanos de {state}", "CEDH", "state"),
    ("Dirección de Derechos Humanos del Municipio de {city}", "DDHM", "municipal"),
    ("Poder Judicial del Estado de {state}", "PJE", "state"),
    ("Centro de Comando, Control, Comunicaciones y Cómputo de {state}", "C5", "state"),
    ("Dirección de Tránsito y Vialidad de {city}", "DTV", "municipal"),
    ("Secretaría de la Defensa Nacional", "SEDENA", "federal"),
    ("Defensoría Pública del Estado de {state}", "DPE", "state"),
    ("Sistema DIF Municipal de {city}", "DIF", "municipal"),
    ("Dirección de Obras Públicas de {city}", "DOP", "municipal"),
    ("Coordinación de Protección Civil de {city}", "PC", "municipal"),
    ("Juzgados Cívicos de {city}", "JC", "municipal"),
    ("Comisión Nacional de los Derechos Humanos", "CNDH", "federal"),
    ("Dirección de Prevención Social de la Violencia de {city}", "DPSV", "municipal"),
    ("Instituto Municipal de las Mujeres de {city}", "IMM", "municipal"),
    ("Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública", "SESNSP", "federal"),
    ("Instituto Nacional de Migración", "INM", "federal"),
    ("Secretaría de Movilidad del Estado de {state}", "SEMOV", "state"),
    ("Dirección de Servicios Públicos de {city}", "DSP", "municipal"),
]
INSTITUTIONS_EN = [
    ("Federal Bureau of Investigation, {city} Field Office", "FBI", "federal"),
    ("U.S. Customs and Border Protection", "CBP", "federal"),
    ("{state} Department of Public Safety", "DPS", "state"),
    ("{city} Police Department", "PD", "municipal"),
    ("{city} Street Lighting Division", "SLD", "municipal"),
    ("{state} Office of the Attorney General", "OAG", "state"),
    ("{city} County District Attorney", "DA", "state"),
    ("{city} Office of Human Rights", "OHR", "municipal"),
    ("{city} Municipal Court", "MC", "municipal"),
    ("{city} Department of Transportation", "DOT", "municipal"),
    ("Drug Enforcement Administration", "DEA", "federal"),
    ("{city} Fire Department", "FD", "municipal"),
]
EXTRA_INSTITUTION = ("Agencia {n} del Ministerio Público de {city}", "AMP{n}", "state")
EXTRA_INSTITUTION_EN = ("{city} Police Precinct {n}", "PP{n}", "municipal")
ORGANISATIONS_ES = [
    ("Observatorio Ciudadano de {city}", "civil_society"),
    ("Plan Estratégico de {city}", "civil_society"),
    ("Cámara Nacional de Comercio de {city}", "business"),
    ("Centro de Derechos Humanos de {city}", "civil_society"),
    ("Consejo Coordinador Empresarial de {city}", "business"),
    ("Red de Mujeres de {city}", "civil_society"),
    ("Consejo Ciudadano de Seguridad de {city}", "civil_society"),
    ("COPARMEX {city}", "business"),
    ("Jóvenes por la Paz de {city}", "civil_society"),
    ("Colectivo de Madres Buscadoras de {state}", "civil_society"),
    ("Asociación de Maquiladoras de {city}", "business"),
    ("Fundación {city} Segura", "civil_society"),
]
ORGANISATION_OF_COLONIA = ("Asociación de Colonos de {colonia}", "civil_society")
ORGANISATIONS_EN = [
    ("{city} Neighborhood Watch Council", "civil_society"),
    ("{city} Chamber of Commerce", "business"),
    ("{city} Human Rights Network", "civil_society"),
    ("{city} Youth Alliance", "civil_society"),
    ("{city} Small Business Association", "business"),
]
ORGANISATION_OF_COLONIA_EN = ("{colonia} Residents Association", "civil_society")

EXTRA_SUBCOMMITTEES = [
    ("Prevención social de la violencia", "Social violence prevention"),
    ("Violencia de género", "Gender-based violence"),
    ("Movilidad y transporte seguro", "Safe mobility and transport"),
    ("Comercio y extorsión", "Commerce and extortion"),
    ("Juventudes y escuelas seguras", "Youth and safe schools"),
]

# Concern titles by standing theme ("" for the table's own subcommittees).
CONCERN_TITLES = {
    "es": {
        "violent_theft": [
            "Robos con violencia en la parada de camiones de {colonia}",
            "Asaltos en el transporte público de {colonia}",
            "Robo a comercios en {calle}, colonia {colonia}",
            "Asaltos a peatones de noche en {colonia}",
            "Robo de autopartes en {colonia}",
            "Robo a casa habitación en {colonia}",
            "Asaltos a repartidores en {calle}",
            "Falta de alumbrado público en {calle} ({colonia})",
            "Patrullaje insuficiente en {colonia} por las noches",
            "Robo de vehículos afuera del mercado de {colonia}",
        ],
        "threat_response": [
            "Extorsión telefónica a vecinos de {colonia}",
            "Cobro de piso a comerciantes de {colonia}",
            "Amenazas a comerciantes del mercado de {colonia}",
            "Llamadas al 911 sin respuesta en {colonia}",
            "Tardanza de patrullas ante emergencias en {colonia}",
            "Amenazas a una defensora de derechos humanos en {colonia}",
            "Balaceras frecuentes cerca de la escuela de {colonia}",
            "Extorsión a transportistas en {calle}",
        ],
        "access_to_justice": [
            "Denuncias por extorsión sin seguimiento en la Fiscalía",
            "Horas de espera para denunciar en la agencia del ministerio público de {colonia}",
            "Carpetas de investigación por robo sin avance en {colonia}",
            "Falta de agentes del ministerio público en el turno nocturno",
            "Víctimas sin asesoría jurídica en {colonia}",
            "Órdenes de protección que no se cumplen en {colonia}",
            "Denuncias de violencia familiar que no llegan al juez",
        ],
        "human_rights": [
            "Detenciones arbitrarias de jóvenes en {colonia}",
            "Abuso policial durante revisiones en {calle}",
            "Desaparición de un vecino de {colonia} sin búsqueda inmediata",
            "Malos tratos a personas migrantes en {colonia}",
            "Cateos sin orden judicial en {colonia}",
            "Extorsión de policías a conductores en {calle}",
        ],
        "indicators": [
            "Cifras de homicidios de {colonia} que no aparecen en el informe mensual",
            "Datos de robos por colonia desactualizados",
            "Tiempos de respuesta del 911 en {colonia} sin publicar",
        ],
        "": [
            "Lotes baldíos sin limpiar en {colonia} usados para delinquir",
            "Casas abandonadas en {colonia}",
            "Violencia familiar sin atención en {colonia}",
            "Acoso a mujeres en el transporte de {colonia}",
            "Accidentes por falta de semáforos en {calle}",
            "Venta de droga cerca de la secundaria de {colonia}",
            "Riñas y ruido en bares de {calle}",
            "Jóvenes sin espacios seguros en {colonia}",
        ],
    },
    "en": {
        "violent_theft": [
            "Armed robberies at the bus stop in {colonia}",
            "Muggings at night in {colonia}",
            "Street lights out on {calle} ({colonia})",
            "Not enough police patrols in {colonia} at night",
            "Car break-ins near the market in {colonia}",
        ],
        "threat_response": [
            "Extortion calls to residents of {colonia}",
            "Shop owners in {colonia} threatened for protection money",
            "911 calls unanswered in {colonia}",
            "Slow police response to emergencies in {colonia}",
        ],
        "access_to_justice": [
            "Extortion complaints with no follow-up at the prosecutor's office",
            "Hours of waiting to file a complaint in {colonia}",
            "No night shift at the public prosecutor's office",
        ],
        "human_rights": [
            "Arbitrary arrests of young people in {colonia}",
            "Police abuse during stops on {calle}",
            "Mistreatment of migrants in {colonia}",
        ],
        "indicators": [
            "Homicide figures for {colonia} missing from the monthly report",
            "Response times of 911 in {colonia} not published",
        ],
        "": [
            "Vacant lots in {colonia} used for crime",
            "Harassment of women on public transport in {colonia}",
            "Drug dealing near the school in {colonia}",
        ],
    },
}
TITLE_SUFFIXES = {
    "es": ["", "", "", "", " por las noches", " desde hace meses", " cada fin de semana", " otra vez",
           " cerca de {calle2}", " frente a la escuela", " a plena luz del día",
           " sin respuesta de las autoridades", " en la madrugada", " después del cambio de turno"],
    "en": ["", "", " at night", " for months", " again", " near {calle2}"],
}
CONCERN_SENTENCES = {
    "es": {
        "violent_theft": [
            "Por las noches asaltan a quienes regresan del trabajo.",
            "En el último mes hubo al menos cinco robos con arma en la misma cuadra.",
            "La calle está oscura porque las luminarias llevan meses sin servir.",
            "Los comercios cierran temprano por miedo a los asaltos.",
            "Las patrullas pasan una vez por semana, si acaso.",
            "Se llevan celulares y carteras, y a veces golpean a la gente.",
        ],
        "threat_response": [
            "Llaman desde números desconocidos y piden dinero para no hacer daño a la familia.",
            "A varios comerciantes les exigen una cuota semanal.",
            "Cuando se llama al 911 la patrulla tarda más de una hora.",
            "Hay miedo de denunciar porque los amenazan si lo hacen.",
            "Dos negocios cerraron en las últimas semanas por las amenazas.",
        ],
        "access_to_justice": [
            "Presentamos la denuncia hace meses y nadie nos ha llamado.",
            "En la agencia del ministerio público se espera cuatro o cinco horas para denunciar.",
            "De noche no hay quien reciba las denuncias.",
            "Nadie nos explica en qué va la carpeta de investigación.",
            "Pedimos más agentes del ministerio público, no más trámites.",
        ],
        "human_rights": [
            "Los policías detienen a muchachos sin motivo y se los llevan sin decir a dónde.",
            "Las familias no saben a qué agencia acudir.",
            "Hay videos de vecinos que muestran los golpes durante la revisión.",
            "Pedimos que se respeten los derechos de las personas detenidas.",
            "La búsqueda empezó días después de la denuncia.",
        ],
        "indicators": [
            "Las cifras del informe no coinciden con lo que vemos en la colonia.",
            "Pedimos que se publiquen los datos por colonia cada mes.",
            "Sin datos confiables no podemos evaluar si las acciones funcionan.",
        ],
        "": [
            "Los vecinos lo hemos reportado varias veces.",
            "Hay niños que pasan por ahí todos los días para ir a la escuela.",
            "Pedimos que las autoridades vengan a ver la situación.",
            "El problema empeora los fines de semana.",
            "Nos organizamos como vecinos, pero necesitamos apoyo.",
        ],
    },
    "en": {
        "violent_theft": [
            "People coming home from work are robbed at night.",
            "The street is dark because the lights have been broken for months.",
            "Patrol cars come by once a week at most.",
        ],
        "threat_response": [
            "Callers demand money and threaten our families.",
            "When we call 911 the police take more than an hour.",
            "People are afraid to report it.",
        ],
        "access_to_justice": [
            "We filed a complaint months ago and nobody has called us.",
            "Nobody tells us how the investigation is going.",
        ],
        "human_rights": [
            "Officers stop young people for no reason.",
            "Families do not know where the detained were taken.",
        ],
        "indicators": [
            "The official figures do not match what we see in the neighborhood.",
            "We ask for monthly figures by neighborhood.",
        ],
        "": [
            "Neighbors have reported it several times.",
            "Children walk past every day on their way to school.",
            "It gets worse on weekends.",
        ],
    },
}
CLOSING_SENTENCES = {
    "es": ["Pedimos atención urgente.", "Esperamos una respuesta de las autoridades.",
           "Solicitamos que se revise en la próxima sesión.", "Gracias por su atención.", ""],
    "en": ["We ask for urgent attention.", "We expect an answer from the authorities.", ""],
}
PLACES = ["Esquina de {calle} y {calle2}", "Parada de camiones de {calle}", "Mercado municipal de {colonia}",
          "Afuera de la secundaria técnica de {colonia}", "Parque de la colonia {colonia}", "{calle}"]
ANSWER_TEXTS = {
    "es": [
        "La {inst} informa que se reforzó el patrullaje en la zona con {n} unidades en el turno nocturno.",
        "Se abrió la carpeta de investigación y se asignó un agente del ministerio público al caso.",
        "Se programó la reparación de {n} luminarias para las próximas dos semanas.",
        "La {inst} recibió el planteamiento y lo turnó al área responsable, que dará seguimiento.",
        "Se realizaron {n} recorridos de vigilancia y se instaló un punto de revisión temporal.",
        "Se dio vista al órgano interno de control y se inició una investigación administrativa.",
        "Se habilitó una línea de denuncia anónima con atención las 24 horas.",
    ],
    "en": [
        "The {inst} reports that patrols in the area were increased with {n} units at night.",
        "An investigation was opened and a prosecutor was assigned to the case.",
        "Repairs of {n} street lights are scheduled for the next two weeks.",
    ],
}
REPLY_TEXTS = {
    "es": ["Gracias por la respuesta, pero el problema sigue.", "Seguimos viendo lo mismo cada noche.",
           "Ya se nota más vigilancia, gracias.", "¿Cuándo empiezan los trabajos?"],
    "en": ["Thanks, but the problem continues.", "We can see more patrols now, thank you."],
}
RATING_COMMENTS = ["Respuesta clara.", "No resolvieron nada.", "Tardaron mucho.", "Buena atención.", ""]
REJECT_REASONS = ["No corresponde a la mesa: es un asunto de servicios municipales.",
                  "Es un caso particular que se canalizó a la Fiscalía.",
                  "Falta información para darle seguimiento.",
                  "Ya se atiende en otro planteamiento."]
CLOSE_REASONS = ["Se atendió con las acciones acordadas en la sesión plenaria.",
                 "Sin respuesta de la persona que lo planteó.", ""]
HIDE_REASONS = ["Contiene datos personales de terceros.", "Lenguaje ofensivo.", "Publicidad."]

SESSION_TITLES = {
    "es": ("Sesión plenaria ordinaria", "Sesión plenaria: {topic}",
           "Sesión de la subcomisión de {name}", "Subcomisión de {name}: {topic}"),
    "en": ("Regular plenary session", "Plenary session: {topic}",
           "{name} subcommittee meeting", "{name} subcommittee: {topic}"),
}
SESSION_TOPICS = {
    "es": ["seguimiento de compromisos", "extorsión al comercio", "robos en el transporte público",
           "alumbrado y patrullaje", "atención a víctimas", "indicadores del trimestre",
           "propuestas de la sociedad civil", "tiempos de respuesta del 911"],
    "en": ["follow-up of commitments", "extortion of businesses", "street lighting and patrols",
           "victim support", "quarterly indicators"],
}
PLACES_SESSION = ["Sala de Cabildo, Presidencia Municipal", "Auditorio del Plan Estratégico",
                  "Cámara de Comercio", "Centro Comunitario de {colonia}", "Oficinas de la Fiscalía"]
CANCEL_REASONS = ["Falta de quórum.", "Coincide con una emergencia en la ciudad.",
                  "Las autoridades pidieron cambiar la fecha.", "Se reprograma por el periodo vacacional."]
RESCHEDULE_REASONS = ["A petición de la Fiscalía.", "Coincidía con un día festivo.",
                      "La sala no estaba disponible."]
AGENDA_OPENING = ["Bienvenida y lista de asistencia", "Lectura y aprobación de la minuta anterior"]
AGENDA_MIDDLE = ["Seguimiento de compromisos", "Informe de indicadores del mes",
                 "Propuestas de las subcomisiones", "Informe de la Fiscalía",
                 "Informe de la Secretaría de Seguridad Pública"]
AGENDA_CLOSING = "Asuntos generales"
AGREEMENT_TEXTS = {
    "es": [
        "La {inst} reforzará el patrullaje en {colonia} de 20:00 a 24:00 e informará a la mesa en 30 días.",
        "Se aprueba la propuesta de la subcomisión: la {inst} asignará {n} agentes del ministerio público "
        "a la investigación de denuncias por extorsión.",
        "La {inst} repondrá {n} luminarias en {colonia} y presentará el avance en la próxima sesión.",
        "La {inst} instalará una mesa de atención a víctimas en {colonia} una vez por semana.",
        "Se acuerda publicar cada mes las cifras de incidencia por colonia.",
        "La {inst} revisará los protocolos de detención y capacitará a {n} elementos en derechos humanos.",
    ],
    "en": [
        "The {inst} will increase patrols in {colonia} from 8 pm to midnight and report back in 30 days.",
        "The {inst} will repair {n} street lights in {colonia} before the next session.",
    ],
}
WITHDRAW_REASONS = ["Se sustituye por un acuerdo posterior.", "Error en el registro del acuerdo.",
                    "La institución responsable ya no participa en la mesa."]
COMMITMENT_TEXTS = {
    "es": [
        "Asignar {n} {unit} a {colonia} y reportar el avance en cada sesión plenaria.",
        "Reforzar la vigilancia en {colonia} con recorridos diarios de 20:00 a 24:00.",
        "Atender las denuncias pendientes de {colonia} en un plazo de 30 días.",
        "Presentar un informe mensual de las acciones realizadas en {colonia}.",
        "Capacitar a {n} {unit} en atención a víctimas.",
    ],
    "en": [
        "Assign {n} {unit} to {colonia} and report at every plenary.",
        "Patrol {colonia} daily from 8 pm to midnight.",
    ],
}
UNITS = ["patrullas", "agentes del ministerio público", "luminarias", "cámaras de videovigilancia",
         "elementos de policía", "policías capacitados"]
UPDATE_TEXTS = {
    "es": [
        "Se realizaron recorridos de vigilancia en la zona durante la semana.",
        "Se incorporaron nuevos elementos al turno nocturno.",
        "Se repararon luminarias en las calles señaladas por los vecinos.",
        "Se atendieron denuncias pendientes y se informó a las víctimas.",
        "Se instalaron cámaras en los cruces con más incidentes.",
        "Se llevó a cabo una reunión de coordinación con la policía estatal.",
    ],
    "en": ["Patrols were carried out in the area during the week.", "Street lights were repaired."],
}
STATUS_REASONS = {"withdrawn": ["El acuerdo se sustituyó por otro.",
                                "La institución ya no tiene la atribución."],
                  "not_fulfilled": ["No se asignó presupuesto.", "La institución no informó avances."],
                  "partly_fulfilled": ["Se cumplió en parte por falta de personal."],
                  "fulfilled": ["Cumplido según el informe de la institución."]}
MOVE_REASONS = ["La institución pidió más tiempo para la licitación.",
                "Se ajusta la fecha al calendario de la sesión plenaria.",
                "Faltó presupuesto en el primer trimestre."]
REVIEW_COMMENTS = {"confirmed": ["Confirmamos: ya se ve el cambio en la colonia.", ""],
                   "disputed": ["Seguimos sin ver patrullas por las noches.",
                                "Las luminarias siguen apagadas.", "No nos han llamado."]}
COMMENT_TEXTS = ["Gracias. Pedimos el detalle por colonia para la próxima sesión.",
                 "Por favor adjunten evidencia de las acciones.", "Bien, seguimos atentos."]
PROPOSAL_TITLES = ["{n} agentes del ministerio público", "Unidad especializada contra la extorsión",
                   "Turno nocturno en la agencia del ministerio público", "Patrullaje nocturno en {colonia}",
                   "Reposición de luminarias en {colonia}",
                   "Protocolo de detenciones con respeto a los derechos"]
MINUTES_TEXT = (
    "Minuta de la sesión {code}\n\nAsistieron {attendees} personas: la secretaría técnica, coordinaciones de "
    "las subcomisiones, representantes de la sociedad civil y de la ciudadanía, y {institutions} "
    "instituciones.\n\n1. Se revisó el seguimiento de los compromisos vigentes.\n2. Se presentaron los "
    "planteamientos de la ciudadanía.\n3. Se tomaron {agreements} acuerdos, que constan en el registro.\n"
)
# code -> (monthly base for a big city, source)
INDICATOR_FIGURES = {
    "homicides": (110, "Fiscalía General del Estado"),
    "kidnappings": (4, "Fiscalía General del Estado"),
    "extortion": (60, "Fiscalía General del Estado"),
    "violent-theft": (700, "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública"),
    "vehicle-theft": (450, "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública"),
    "emergency-response-time": (14, "Centro de Comando, Control, Comunicaciones y Cómputo (C5)"),
    "cases-brought-to-court": (150, "Poder Judicial del Estado"),
    "arrests": (600, "Secretaría de Seguridad Pública"),
    "cases-handed-to-prosecutors": (420, "Fiscalía General del Estado"),
    "charges-brought": (120, "Poder Judicial del Estado"),
    "convictions": (25, "Poder Judicial del Estado"),
}
# Institutions (by acronym) that a theme's concerns go to first.
THEME_INSTITUTIONS = {
    "violent_theft": ("SSPM", "SSPE", "DAP", "GN", "PD", "SLD", "DPS"),
    "threat_response": ("FGE", "SSPM", "C5", "GN", "PD", "OAG"),
    "access_to_justice": ("FGE", "PJE", "DPE", "FGR", "DA", "OAG"),
    "human_rights": ("CEDH", "SSPM", "DDHM", "FGE", "CNDH", "OHR"),
    "indicators": ("SESNSP", "C5", "FGE", "DPS"),
    "": ("DPSV", "IMM", "DOP", "DSP", "DTV", "SSPM", "DOT"),
}


# --- Helpers ---------------------------------------------------------------------------------


def allocate(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainders), none above
    its cap; what does not fit goes to the others. Deterministic: ties go to the lower index."""
    n = len(weights)
    counts = [0] * n
    active = [i for i in range(n) if weights[i] > 0 and (caps is None or caps[i] > 0)]
    remaining = total
    while remaining > 0 and active:
        wsum = sum(weights[i] for i in active)
        shares = [remaining * weights[i] / wsum for i in active]
        add = [int(share) for share in shares]
        short = remaining - sum(add)
        if short:
            order = sorted(range(len(active)), key=lambda j: add[j] - shares[j])
            for j in order[:short]:
                add[j] += 1
        spill, still = 0, []
        for j, i in enumerate(active):
            count = counts[i] + add[j]
            if caps is not None and count >= caps[i]:
                spill += count - caps[i]
                counts[i] = caps[i]
            else:
                counts[i] = count
                still.append(i)
        remaining, active = spill, still
    return counts


def allocate_with_minimum(total: int, weights: list[float], minimum: int) -> list[int]:
    """`minimum` each where the total allows it, the rest by weight."""
    n = len(weights)
    if total >= minimum * n:
        rest = allocate(total - minimum * n, weights)
        return [minimum + r for r in rest]
    return allocate(total, [1.0] * n)


def dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def local_ts(day: date, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()


def local_date(ts: float, zone: zoneinfo.ZoneInfo) -> date:
    return datetime.fromtimestamp(ts, zone).date()


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def institution_label(name: str, acronym: str) -> str:
    """str(Institution): what the services write into a concern event's note."""
    return f"{name} ({acronym})" if acronym else name


class Ids:
    """The next free id of each table, read once: rows are written with explicit ids."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.next: dict[str, int] = {}

    def prime(self, tables: Iterable[str], *, again: bool = False) -> None:
        """Read the next ids up front: no query can run while a COPY is streaming."""
        for table in tables:
            if again or table not in self.next:
                self.cursor.execute(
                    "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'", [table])
                if self.cursor.fetchone() is None:
                    continue  # a history event table (pgh_id)
                self.cursor.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(
                    sql.Identifier(table)))
                self.next[table] = self.cursor.fetchone()[0]

    def take(self, table: str, count: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + count
        return first

    def one(self, table: str) -> int:
        return self.take(table, 1)


class Copier:
    """COPY rows into a table through psycopg 3, with the column types read from the catalogue."""

    def __init__(self, cursor):
        self.cursor = cursor  # the psycopg cursor under Django's wrapper

    def _types(self, table: str, columns: list[str]) -> list[int]:
        self.cursor.execute(
            "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped", [table])
        types = dict(self.cursor.fetchall())
        return [types[column] if self._dumps(types[column]) else TEXT_OID for column in columns]

    def _dumps(self, oid: int) -> bool:
        """Whether psycopg can write this type; the others (tsvector) go as text, which PostgreSQL parses."""
        try:
            self.cursor.adapters.get_dumper_by_oid(oid, pq.Format.TEXT)
        except psycopg.ProgrammingError:
            return False
        return True

    def _copy(self, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
        types = self._types(table, columns)
        count = 0
        with self.cursor.copy(statement) as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
                count += 1
        return count

    def copy(self, table: str, rows: Iterable[tuple], *, columns: str | None = None,
             history: str | None = None) -> int:
        """Write `rows` into COLUMNS[table] (or `columns`). For a tracked table, `history` names its
        event table: a first small batch goes in, the event table is analysed, then the rest (see
        the module docstring)."""
        columns = (columns or COLUMNS[table]).split()
        rows = iter(rows)
        count = 0
        if history is not None:
            count += self._copy(table, columns, islice(rows, 500))
            self.cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(history)))
        return count + self._copy(table, columns, rows)


@dataclass
class Subcommittee:
    pk: int
    theme: str
    name: str
    prefix: str  # of its session codes (meetings.services._code_prefix)
    coordinators: list[int] = field(default_factory=list)


@dataclass
class Institution:
    pk: int
    name: str
    acronym: str
    level: str
    officials: list[int] = field(default_factory=list)  # verified officials

    @property
    def label(self) -> str:
        return institution_label(self.name, self.acronym)


@dataclass
class TablePlan:
    number: int
    weight: float
    city: str
    state: str
    zone_name: str
    country: str
    language: str
    name: str
    is_public: bool
    dashboard_is_public: bool
    start: float
    n: dict[str, int] = field(default_factory=dict)
    pk: int = 0
    groups: dict[str, int] = field(default_factory=dict)
    subcommittees: list[Subcommittee] = field(default_factory=list)
    colonias: list[tuple[int, str]] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    organisations: list[int] = field(default_factory=list)
    # people
    secretariat: list[int] = field(default_factory=list)
    coordinators: list[int] = field(default_factory=list)
    pool_ts: list[float] = field(default_factory=list)  # members who raise, support, attend; by joining
    pool_ids: list[int] = field(default_factory=list)
    representatives: dict[int, int] = field(default_factory=dict)  # verified representative -> organisation
    # concerns, by time
    concern_ts: list[float] = field(default_factory=list)
    concern_ids: list[int] = field(default_factory=list)
    concern_titles: list[str] = field(default_factory=list)
    # sessions
    plenaries_upcoming: list[int] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return table_slug(self.number)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone_name)

    def members_before(self, ts: float) -> int:
        return bisect.bisect_right(self.pool_ts, ts)

    def concerns_before(self, ts: float) -> int:
        return bisect.bisect_right(self.concern_ts, ts)


class BenchExists(Exception):
    pass


@dataclass
class Report:
    steps: list[tuple[str, float, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total_seconds: float = 0.0
    receipt_codes: list[str] = field(default_factory=list)


# Tables written in bulk (their foreign keys, unique constraints and indexes are rebuilt), by step.
PEOPLE_TABLES = ["mesa_membership", "mesa_membershipchange", "accounts_user_groups"]
CONCERN_TABLES = [
    "concerns_concern", "concerns_concern_accused_institutions", "concerns_concernassignment",
    "concerns_answer", "concerns_concernevent", "concerns_support", "concerns_follow", "concerns_reply",
    "concerns_rating",
]
MEETING_TABLES = [
    "meetings_session", "meetings_session_invited_institutions", "meetings_sessionchange",
    "meetings_agendaitem", "meetings_agendaitem_concerns", "meetings_agendaitem_proposals",
    "meetings_attendance", "meetings_institutionpresence", "meetings_minutes", "meetings_proposal",
    "meetings_proposal_concerns", "meetings_agreement", "meetings_agreement_concerns",
    "meetings_agreement_proposals", "meetings_agreement_responsible_institutions", "meetings_rsvp",
]
COMMITMENT_TABLES = [
    "commitments_commitment", "commitments_commitment_co_responsible",
    "commitments_commitment_responsible_officials", "commitments_actionupdate", "commitments_duedatechange",
    "commitments_deliveryreview", "commitments_updatecomment", "commitments_follow",
]
INDICATOR_TABLES = ["indicators_observation", "indicators_target"]
BULK_TABLES = CONCERN_TABLES + MEETING_TABLES + COMMITMENT_TABLES + INDICATOR_TABLES

# The columns each table is written with (by COPY), in the order the rows give them.
COLUMNS = {
    "accounts_user": (
        "id password last_login is_superuser email display_name language phone email_verified_at is_active "
        "is_staff date_joined inbox_unread"),
    "accounts_user_groups": "id user_id group_id",
    "commitments_actionupdate": (
        "id text action_on delivered_change created_at author_id corrects_id institution_id commitment_id"),
    "commitments_commitment": (
        "id number code description due_on original_due_on unit requested committed delivered status "
        "status_reason status_changed_at fulfilled_at first_update_at created_at updated_at agreement_id "
        "created_by_id institution_id status_changed_by_id table_id"),
    "commitments_deliveryreview": "id verdict comment created_at updated_at commitment_id user_id",
    "commitments_duedatechange": (
        "id previous_due_on new_due_on reason agreed_by created_at agreed_at_id changed_by_id commitment_id"),
    "commitments_follow": "id created_at commitment_id user_id",
    "commitments_updatecomment": "id text created_at author_id update_id",
    "concerns_answer": "id text created_at author_id institution_id concern_id",
    "concerns_concern": (
        "id title description colonia_other happened_on place visibility receipt_hash consent_to_accused_at "
        "status status_reason hidden_at hidden_reason support_count created_at accepted_at first_answer_at "
        "resolved_at colonia_id duplicate_of_id reporter_id subcommittee_id table_id resolution_asked_at "
        "search_vector"),
    "concerns_concern_accused_institutions": "id concern_id institution_id",
    "concerns_concernassignment": "id assigned_at assigned_by_id concern_id institution_id",
    "concerns_concernevent": "id concern_id kind actor_id by_reporter from_status to_status note created_at",
    "concerns_rating": "id score comment created_at updated_at answer_id user_id",
    "concerns_reply": "id text created_at author_id concern_id hidden_at hidden_reason",
    "concerns_support": "id created_at concern_id organisation_id user_id",
    "indicators_observation": (
        "id period_start colonia value source entered_at correction_note corrected_at entered_by_id "
        "indicator_id"),
    "indicators_target": "id value due_on note created_at indicator_id set_by_id",
    "meetings_agendaitem": "id position title description duration_minutes session_id",
    "meetings_agreement": (
        "id number code text created_at withdrawn_at withdrawal_reason recorded_by_id table_id "
        "withdrawn_by_id session_id"),
    "meetings_attendance": "id recorded_at institution_id recorded_by_id user_id session_id",
    "meetings_institutionpresence": "id level recorded_at institution_id recorded_by_id session_id",
    "meetings_minutes": (
        "id version text correction_reason created_at updated_at approved_at approved_by_id corrects_id "
        "drafted_by_id session_id"),
    "meetings_proposal": (
        "id title request quantity unit status decision_note created_at updated_at submitted_at decided_at "
        "drafted_by_id institution_id subcommittee_id table_id session_id"),
    "meetings_rsvp": "id answer updated_at user_id session_id",
    "meetings_session": (
        "id code title description starts_at ends_at place online_url is_public status "
        "cancellation_reason quorum agenda_published_at uid sequence created_at updated_at created_by_id "
        "subcommittee_id table_id"),
    "meetings_sessionchange": (
        "id kind reason old_starts_at old_ends_at new_starts_at new_ends_at created_at actor_id session_id"),
    "mesa_membership": (
        "id role position verified_at joined_at left_at institution_id user_id verified_by_id "
        "organisation_id table_id"),
    "mesa_membershipchange": "id action from_role to_role note created_at actor_id membership_id",
}

# What is counted at the end: label -> table.
COUNTED = [
    ("tables", "mesa_table"), ("users", "accounts_user"), ("memberships", "mesa_membership"),
    ("membership changes", "mesa_membershipchange"), ("user groups", "accounts_user_groups"),
    ("institutions", "mesa_institution"), ("organisations", "mesa_organisation"),
    ("subcommittees", "subcommittees_subcommittee"), ("colonias", "concerns_colonia"),
    ("concerns", "concerns_concern"), ("concern events", "concerns_concernevent"),
    ("assignments", "concerns_concernassignment"), ("answers", "concerns_answer"),
    ("supports", "concerns_support"), ("concern follows", "concerns_follow"), ("replies", "concerns_reply"),
    ("ratings", "concerns_rating"), ("sessions", "meetings_session"),
    ("session changes", "meetings_sessionchange"), ("agenda items", "meetings_agendaitem"),
    ("attendance", "meetings_attendance"), ("institutions present", "meetings_institutionpresence"),
    ("rsvps", "meetings_rsvp"), ("minutes", "meetings_minutes"), ("proposals", "meetings_proposal"),
    ("agreements", "meetings_agreement"), ("commitments", "commitments_commitment"),
    ("action updates", "commitments_actionupdate"), ("due date changes", "commitments_duedatechange"),
    ("delivery reviews", "commitments_deliveryreview"), ("update comments", "commitments_updatecomment"),
    ("commitment follows", "commitments_follow"), ("indicators", "indicators_indicator"),
    ("observations", "indicators_observation"), ("targets", "indicators_target"),
    ("history events", None),
]


class PlannedConcern:
    __slots__ = ("id", "c0", "visibility", "subcommittee", "title", "description", "colonia_id",
                 "colonia_other", "happened_on", "place", "reporter", "consent", "status", "status_reason",
                 "accepted", "first_answer", "resolved", "asked", "hidden", "hidden_reason", "duplicate_of",
                 "answers", "supports", "receipt")

    def __init__(self, pk: int, c0: float, visibility: str):
        self.id, self.c0, self.visibility = pk, c0, visibility
        self.reporter = self.consent = self.accepted = self.first_answer = self.resolved = None
        self.asked = self.hidden = self.duplicate_of = self.happened_on = None
        self.status, self.status_reason, self.hidden_reason, self.place = "submitted", "", "", ""
        self.answers: list[tuple[int, float]] = []
        self.supports, self.receipt = 0, None


CONCERN_HOURS = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 20, 21, 21, 22, 22, 23]
CONCERN_STATUSES = ["submitted", "rejected", "accepted", "answered", "in_progress", "resolved",
                    "partly_resolved", "closed"]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


# (age in days below which, cumulative weights of CONCERN_STATUSES)
STATUS_MIX = [
    (2, _cumulative([75, 5, 20, 0, 0, 0, 0, 0])),
    (14, _cumulative([35, 5, 35, 20, 5, 0, 0, 0])),
    (60, _cumulative([8, 5, 22, 30, 20, 8, 3, 4])),
    (math.inf, _cumulative([2, 4, 12, 20, 16, 26, 9, 11])),
]
TRIAGE_MEDIAN = math.log(30 * HOUR)
ANSWER_MEDIAN = math.log(6 * DAY)
RESOLUTION_MEDIAN = math.log(20 * DAY)
SCORES = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5]


@dataclass(eq=False)
class SessionPlan:
    pk: int
    code: str
    sub: Subcommittee | None
    starts: float
    ends: float
    status: str
    held_at: float | None
    created: float
    organiser: int
    invited: list[Institution] = field(default_factory=list)
    agreements: int = 0
    agreement_pks: list[int] = field(default_factory=list)
    proposals: list[int] = field(default_factory=list)


@dataclass(eq=False)
class AgreementPlan:
    pk: int
    table_index: int
    code: str
    day: date  # the agreement's date on the table's calendar (commitments.services.agreement_date)
    created: float
    withdrawn: float | None
    main: Institution
    count: int = 0
    owners: list[Institution] = field(default_factory=list)
    partner: Institution | None = None


class PlannedCommitment:
    __slots__ = ("pk", "table_index", "today", "agreement", "number", "code", "institution", "partner",
                 "created", "original_due", "due", "unit", "requested", "committed", "delivered", "moved",
                 "move_reason", "agreed_by", "status", "status_reason", "closed", "closed_by_hand",
                 "officials", "description", "updates", "first_update")

    def __init__(self, pk: int, table_index: int):
        self.pk, self.table_index = pk, table_index
        self.unit, self.requested, self.committed, self.delivered = "", None, None, 0
        self.moved = self.closed = self.closed_by_hand = self.first_update = self.partner = None
        self.move_reason = self.agreed_by = self.status_reason = ""
        self.officials: list[int] = []
        self.updates: list[tuple] = []

    def row(self, plan: TablePlan) -> tuple:
        changed = self.closed if self.closed is not None else self.closed_by_hand
        fulfilled = self.closed if self.status in ("fulfilled", "partly_fulfilled") else None
        moments = [self.created, self.moved or 0, changed or 0, self.updates[-1][4] if self.updates else 0]
        return (self.pk, self.number, self.code, self.description, self.due, self.original_due, self.unit,
                self.requested, self.committed, self.delivered, self.status, self.status_reason, dt(changed),
                dt(fulfilled), dt(self.first_update), dt(self.created), dt(max(moments)), self.agreement,
                plan.secretariat[0], self.institution.pk, plan.secretariat[0] if changed else None, plan.pk)


UPDATE_WEIGHTS = {"open": 0.0, "in_progress": 3.0, "fulfilled": 4.0, "partly_fulfilled": 3.5,
                  "not_fulfilled": 1.0, "withdrawn": 0.5}
DUE_DAYS = [15, 30, 30, 45, 60, 60, 90, 120, 180]
QUANTITY_MAX_BENCH = 1_000_000  # commitments.models.QUANTITY_MAX


# The search vector, as the trigger of concerns migration 0001 computes it.
SEARCH_EXPRESSION = (
    "setweight(to_tsvector('spanish', mesa_unaccent(coalesce(title, ''))), 'A') || "
    "setweight(to_tsvector('english', mesa_unaccent(coalesce(title, ''))), 'A') || "
    "setweight(to_tsvector('spanish', mesa_unaccent(coalesce(description, ''))), 'B') || "
    "setweight(to_tsvector('english', mesa_unaccent(coalesce(description, ''))), 'B')"
)
TSVECTOR_ENTRY = re.compile(r"('(?:[^']|'')*')(?::([0-9A-D,]+))?")
TEXT_OID = 25
MAX_POSITION = 16383  # PostgreSQL's MAXENTRYPOS - 1: tsvector positions stop there


class TsVectors:
    """Description parts of search vectors (tsvector text, as PostgreSQL prints it), shifted on
    demand by the largest position of the title part before them, as tsvector `||` does."""

    def __init__(self):
        self.entries: dict[str, list[tuple[str, list[tuple[int, str]]]]] = {}
        self.cache: dict[tuple[str, int], str] = {}

    @staticmethod
    def parse(vector: str) -> list[tuple[str, list[tuple[int, str]]]]:
        entries = []
        for lexeme, positions in TSVECTOR_ENTRY.findall(vector):
            entries.append((lexeme, [(int(p.rstrip("ABCD")), p.lstrip("0123456789"))
                                     for p in positions.split(",") if p]))
        return entries

    @classmethod
    def largest_position(cls, vector: str) -> int:
        return max((position for _lexeme, positions in cls.parse(vector) for position, _w in positions),
                   default=0)

    def add(self, text: str, vector: str) -> None:
        self.entries[text] = self.parse(vector)

    def shifted(self, text: str, shift: int) -> str:
        key = (text, shift)
        if key not in self.cache:
            self.cache[key] = " ".join(
                lexeme + (":" + ",".join(f"{min(position + shift, MAX_POSITION)}{weight}"
                                         for position, weight in positions) if positions else "")
                for lexeme, positions in self.entries[text])
        return self.cache[key]


def seed(*, scale: float, seed: int = 1, today: date | None = None,
         log: Callable[[str], None] = print) -> Report:
    """Load the bench data set into this (empty, migrated) database; see the module docstring.
    Raises BenchExists if bench tables are already there."""
    import pghistory
    from django.db import connection, transaction

    from mesa.models import Table

    if Table.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise BenchExists(f"This database already has bench tables ({SLUG_PREFIX}...): seed_bench loads "
                          "into an empty, migrated database. Drop and create it again to reseed.")
    seeder = Seeder(scale=scale, seed=seed, today=today, log=log)
    started = time.perf_counter()
    with transaction.atomic(), pghistory.context(**HISTORY_CONTEXT) as context:
        seeder.run(context)
    # As a production server's autovacuum would have: statistics for the planner, and the
    # visibility map that lets counts and sorts use index-only scans.
    # (VACUUM cannot run in a transaction: the suite seeds inside one and rolls it back.)
    with seeder.step("vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    with seeder.step("count rows") as step:
        seeder.count_rows()
        step["rows"] = sum(seeder.report.counts.values())
    seeder.report.total_seconds = time.perf_counter() - started
    return seeder.report


class Seeder:
    """One run of the seed: the plan (tables, their sizes and people), then each step's rows."""

    def __init__(self, *, scale: float, seed: int, today: date | None, log: Callable[[str], None]):
        self.scale = scale
        self.seed = seed
        self.counts = scaled_counts(scale)
        self.today = today or datetime.now(UTC).date()
        self.now = datetime(self.today.year, self.today.month, self.today.day, tzinfo=UTC).timestamp()
        self.log = log
        self.report = Report()
        self.tables: list[TablePlan] = []

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    @contextmanager
    def step(self, name: str) -> Iterator[dict]:
        started = time.perf_counter()
        self.log(f"{name} ...")
        progress = {"rows": 0}
        yield progress
        seconds = time.perf_counter() - started
        self.report.steps.append((name, seconds, progress["rows"]))
        self.log(f"{name}: {progress['rows']:,} rows in {seconds:.1f} s")

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        """A timed part of a step, logged on its own line."""
        started = time.perf_counter()
        yield
        self.log(f"    {name}: {time.perf_counter() - started:.1f} s")

    # --- The run ------------------------------------------------------------------------------

    def run(self, context) -> None:
        from django.db import connection

        with connection.cursor() as wrapper:
            self.cursor = wrapper.cursor
            self.copier = Copier(self.cursor)
            self.ids = Ids(self.cursor)
            # pghistory's context, for the rows written by COPY too (transaction-local settings).
            self.cursor.execute(
                "SELECT set_config('pghistory.context_id', %s, true), "
                "set_config('pghistory.context_metadata', %s, true)",
                [str(context.id), json.dumps(HISTORY_CONTEXT)])
            self.cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            self.cursor.execute("SET LOCAL work_mem = '64MB'")
            self.ids.prime(["accounts_user", *BULK_TABLES])
            with self.step("plan") as step:
                self.plan()
                step["rows"] = len(self.tables)
            self.users()
            self.create_tables()
            self.memberships()
            self.coordinators()
            restore = self.drop_constraints(BULK_TABLES)
            self.concerns()
            self.supports()
            self.sessions()
            self.commitments()
            self.indicators()
            self.restore_constraints(restore)
            self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            self.advance_sequences()
            self.report.receipt_codes = receipt_codes(self.seed)

    # --- Constraints and indexes of bulk-loaded tables ---------------------------------------------

    def drop_constraints(self, tables: list[str]) -> list:
        """Drop the foreign keys, unique constraints and secondary indexes of `tables`; return the
        statements that create them again, as they were. (Even at scale 0.01 this is faster than
        checking every row's foreign keys as it comes.)"""
        with self.step(f"drop constraints and indexes of {len(tables)} tables") as step:
            # Nothing may be pending on a table that is altered: what is deferred is checked now.
            self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            create_indexes, add_constraints, drops = [], [], []
            for table in tables:
                self.cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype, conname",
                    [table])
                for name, kind, definition in self.cursor.fetchall():
                    statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                        sql.Identifier(table), sql.Identifier(name)) + sql.SQL(definition)
                    (add_constraints if kind == "f" else create_indexes).append(statement)
                    drop = sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(name))
                    drops.append((0 if kind == "f" else 1, drop))
                self.cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                    "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                    "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) ORDER BY c.relname",
                    [table])
                for name, definition in self.cursor.fetchall():
                    create_indexes.append(sql.SQL(definition))
                    drops.append((2, sql.SQL("DROP INDEX {}").format(sql.Identifier(name))))
            for _order, statement in sorted(drops, key=lambda pair: pair[0]):
                self.cursor.execute(statement)
            step["rows"] = len(drops)
        return [*create_indexes, *add_constraints]

    def restore_constraints(self, statements: list) -> None:
        with self.step("create indexes and constraints again") as step:
            for statement in statements:
                started = time.perf_counter()
                self.cursor.execute(statement)
                seconds = time.perf_counter() - started
                if seconds > 1:
                    self.log(f"    {seconds:.1f} s: {statement.as_string(self.cursor)[:120]}")
            step["rows"] = len(statements)

    def advance_sequences(self) -> None:
        with self.step("advance id sequences") as step:
            for table in sorted(self.ids.next):
                self.cursor.execute(sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM {} "
                    "HAVING max(id) IS NOT NULL").format(sql.Identifier(table)), [table])
            step["rows"] = len(self.ids.next)

    def count_rows(self) -> None:
        from django.db import connection

        from mesa.history import chained_event_models

        with connection.cursor() as cursor:
            for label, table in COUNTED:
                if table is None:
                    total = 0
                    for model in chained_event_models():
                        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(
                            sql.Identifier(model._meta.db_table)))
                        total += cursor.fetchone()[0]
                    self.report.counts[label] = total
                    continue
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                self.report.counts[label] = cursor.fetchone()[0]

    # --- Plan: tables, their sizes, their people --------------------------------------------------

    def plan(self) -> None:
        counts = self.counts
        rng = self.rng("tables")
        n = counts["tables"]
        weights = sorted((1.0 / (i + 1) * rng.uniform(0.85, 1.15) for i in range(n)), reverse=True)
        for i, weight in enumerate(weights):
            city, state, zone, country, language = CITIES[i % len(CITIES)]
            lap = i // len(CITIES)
            if language == "en":
                name = f"{city} Security and Justice Roundtable" + (f" {lap + 1}" if lap else "")
            elif lap == 0:
                name = f"Mesa de Seguridad y Justicia de {city}"
            else:
                name = f"Mesa de Seguridad de {city}, {ZONES[(lap - 1) % len(ZONES)]}"
                name += f" {lap}" if lap > len(ZONES) else ""
            age_days = 4 * 365 + 25 if i == 0 else rng.uniform(1.5 * 365, 4 * 365)
            self.tables.append(TablePlan(
                number=i + 1, weight=weight, city=city, state=state, zone_name=zone, country=country,
                language=language, name=name, is_public=i == 0 or rng.random() < 0.88,
                dashboard_is_public=i == 0 or rng.random() < 0.9, start=self.now - age_days * DAY))
        root = [math.sqrt(w) for w in weights]
        per = {
            "users": allocate_with_minimum(counts["users"], weights, 30),
            "institutions": allocate_with_minimum(counts["institutions"], root, 3),
            "organisations": allocate_with_minimum(counts["organisations"], root, 1),
            "concerns": allocate_with_minimum(counts["concerns"], weights, 5),
            "sessions": allocate_with_minimum(counts["sessions"], [w ** 0.6 for w in weights], 4),
            "indicators": allocate(counts["indicators"], [1.0] * n, caps=[11] * n),
        }
        per["supports"] = allocate(counts["supports"], [float(c) for c in per["concerns"]])
        per["agreements"] = allocate_with_minimum(counts["agreements"],
                                                  [float(s) for s in per["sessions"]], 1)
        per["commitments"] = allocate_with_minimum(counts["commitments"],
                                                   [float(a) for a in per["agreements"]], 1)
        for i, plan in enumerate(self.tables):
            plan.n = {key: values[i] for key, values in per.items()}
        self.plan_people()

    def plan_people(self) -> None:
        """Who is who at each table: roles, affiliations (by index), when they joined and left."""
        rng = self.rng("people")
        self.user_specs: list[list] = []  # email, name, language, phone, date_joined
        self.member_specs: dict[int, list[list]] = {}  # table number -> [user index, role, ...]
        positions = {
            "secretariat": ["Secretaría técnica", "Secretario técnico adjunto"],
            "coordinator": ["Coordinación de subcomisión", "Coordinadora", "Coordinador"],
            "official": ["Agente del ministerio público", "Director de área", "Enlace institucional",
                         "Comandante de zona", "Jefa de departamento"],
            "representative": ["Presidenta", "Director ejecutivo", "Coordinadora de proyectos", "Vocal"],
        }
        for plan in self.tables:
            m = plan.n["users"]
            n_inst, n_org = plan.n["institutions"], plan.n["organisations"]
            english = plan.language == "en"
            # The roles, most needed first; at most half the table holds one.
            first = [("secretariat", None, None, True), ("coordinator", None, None, True)]
            first += [("official", i, None, True) for i in range(n_inst)]
            first += [("representative", None, o, True) for o in range(n_org)]
            more = [("secretariat", None, None, True)] * ((m >= 500) + (m >= 5000))
            more += [("coordinator", None, None, True)] * min(6, m // 5000)
            for i in range(n_inst):
                more += [("official", i, None, True)] * rng.randint(0, min(3, m // 3000))
                if rng.random() < 0.15:
                    more.append(("official", i, None, False))
            for o in range(n_org):
                if m > 2000 and rng.random() < 0.5:
                    more.append(("representative", None, o, True))
                if rng.random() < 0.1:
                    more.append(("representative", None, o, False))
            roles = (first + more)[:max(1, m // 2)]
            roles += [("citizen", None, None, True)] * (m - len(roles))
            specs = []
            founding_until = plan.start + 30 * DAY
            span = self.now - DAY - founding_until
            first_citizen = True
            for index, (role, inst, org, verified) in enumerate(roles):
                if index == 0:
                    joined = plan.start
                elif role != "citizen" or rng.random() < 0.3:
                    joined = plan.start + rng.uniform(0, 20 * DAY)
                else:
                    joined = founding_until + span * rng.random()
                left = None
                if role == "citizen" and plan.number == 1 and first_citizen:
                    joined, first_citizen = plan.start + DAY, False
                elif role == "citizen" and rng.random() < 0.03:
                    left = joined + (self.now - joined) * rng.uniform(0.2, 0.9)
                user_index = len(self.user_specs)
                if english or rng.random() < 0.05:
                    name = f"{rng.choice(ENGLISH_FIRST)} {rng.choice(ENGLISH_LAST)}"
                    language = "en"
                else:
                    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                    if rng.random() < 0.5:
                        name += f" {rng.choice(LAST_NAMES)}"
                    language = "es"
                phone = f"+52 {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}" \
                    if rng.random() < 0.4 else ""
                self.user_specs.append([f"persona{user_index + 1:06d}@bench.mesa.mx", name, language, phone,
                                        joined - rng.uniform(0, 3 * DAY)])
                position = rng.choice(positions[role]) if role in positions else ""
                specs.append([user_index, role, inst, org, verified, joined, left, position])
            self.member_specs[plan.number] = specs
        # Known accounts, at bench-001.
        known = {"secretariat": None, "coordinator": None, "official": None, "citizen": None}
        for user_index, role, _inst, _org, verified, _joined, left, _position in self.member_specs[1]:
            if role in known and known[role] is None and verified and left is None:
                known[role] = user_index
        emails = {"citizen": MEMBER_EMAIL, **ROLE_EMAILS}
        names = {"citizen": "Miembro de la mesa (bench)", "secretariat": "Secretaría técnica (bench)",
                 "coordinator": "Coordinación (bench)", "official": "Funcionario (bench)"}
        self.known_users = {}
        for role, user_index in known.items():
            if user_index is not None:
                self.user_specs[user_index][0] = emails[role]
                self.user_specs[user_index][1] = names[role]
                self.user_specs[user_index][2] = "es"
                self.known_users[user_index] = role
        # A few citizens also take part at a second table.
        self.second_specs: dict[int, list[list]] = {plan.number: [] for plan in self.tables}
        if len(self.tables) > 1:
            cumulative = []
            total = 0.0
            for plan in self.tables:
                total += plan.weight
                cumulative.append(total)
            for plan in self.tables:
                for user_index, role, _i, _o, _v, joined, left, _p in self.member_specs[plan.number]:
                    if role != "citizen" or left is not None or user_index in self.known_users:
                        continue
                    if rng.random() >= 0.04:
                        continue
                    other = self.tables[bisect.bisect_left(cumulative, rng.random() * total)]
                    if other is plan:
                        continue
                    since = max(other.start, joined)
                    joined_there = since + (self.now - DAY - since) * rng.random()
                    self.second_specs[other.number].append(
                        [user_index, "citizen", None, None, True, joined_there, None, ""])

    # --- Users -----------------------------------------------------------------------------------

    def users(self) -> None:
        from django.contrib.auth.hashers import make_password

        rng = self.rng("passwords")
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        shared = make_password(BENCH_PASSWORD, salt="seedbench" + str(self.seed))
        restore = self.drop_constraints(["accounts_user"])
        with self.step("users") as step:
            self.user_base = self.ids.take("accounts_user", len(self.user_specs))
            base = self.user_base

            def rows():
                for index, (email, name, language, phone, joined) in enumerate(self.user_specs):
                    password = shared if index in self.known_users else \
                        "!" + "".join(rng.choices(alphabet, k=40))
                    yield (base + index, password, None, False, email, name, language, phone,
                           dt(joined + rng.uniform(60, 2 * HOUR)), True, False, dt(joined), 0)

            step["rows"] = self.copier.copy("accounts_user", rows())
        self.restore_constraints(restore)

    def user_id(self, index: int) -> int:
        return self.user_base + index

    # --- Tables, through the app's services ---------------------------------------------------------

    def create_tables(self) -> None:
        from django.contrib.auth.models import Group

        from accounts.models import User
        from concerns.models import Colonia
        from meetings.services import _code_prefix
        from mesa import models as mesa_models
        from mesa import services as table_services
        from subcommittees import services as subcommittee_services
        from subcommittees.models import Subcommittee as SubcommitteeModel

        rng = self.rng("tables-content")
        with self.step("tables (mesa.services.table_create)") as step:
            creators = User.objects.in_bulk([self.user_id(self.member_specs[plan.number][0][0])
                                             for plan in self.tables])
            for plan in self.tables:
                creator = creators[self.user_id(self.member_specs[plan.number][0][0])]
                if plan.language == "en":
                    description = ("Residents, civil-society organisations, businesses and the authorities "
                                   f"of {plan.city} working together for safety and justice.")
                else:
                    description = ("Ciudadanía, organizaciones de la sociedad civil, cámaras empresariales "
                                   "y autoridades de los tres órdenes de gobierno trabajando juntas por la "
                                   f"seguridad y la justicia en {plan.city}.")
                table = table_services.table_create(
                    name=plan.name, slug=plan.slug, city=plan.city, state=plan.state, country=plan.country,
                    time_zone=plan.zone_name, default_language=plan.language, is_public=plan.is_public,
                    description=description, secretariat=creator)
                plan.pk = table.pk
                if plan.n["users"] >= 3000:
                    extras = rng.sample(EXTRA_SUBCOMMITTEES, min(len(EXTRA_SUBCOMMITTEES),
                                                                 1 + plan.n["users"] // 15000))
                    for name_es, name_en in extras:
                        subcommittee_services.subcommittee_create(
                            table=table, name_es=name_es, name_en=name_en,
                            description=f"Subcomisión propia de la mesa de {plan.city}.")
                for subcommittee in SubcommitteeModel.objects.filter(table=table).order_by("pk"):
                    name = (subcommittee.name_en or subcommittee.name_es) if plan.language == "en" else \
                        (subcommittee.name_es or subcommittee.name_en)
                    plan.subcommittees.append(Subcommittee(
                        pk=subcommittee.pk, theme=subcommittee.standing_theme, name=name,
                        prefix=_code_prefix(subcommittee)))
            step["rows"] = len(self.tables)
        with self.step("institutions, organisations, colonias") as step:
            groups = dict(Group.objects.filter(name__startswith="table:").values_list("name", "id"))
            institutions, organisations, colonias = [], [], []
            for plan in self.tables:
                plan.groups = {kind: groups[f"table:{plan.pk}:{kind}"] for kind in ("member", "official",
                                                                                     "secretariat")}
                fill = {"city": plan.city, "state": plan.state}
                names = [f"{base}{suffix}" for suffix in COLONIA_SUFFIXES for base in COLONIA_NAMES]
                count = min(len(names), 12 + round(math.sqrt(plan.n["users"]) * 0.6))
                chosen = rng.sample(names[:max(count * 3, 66)], count)
                colonias += [Colonia(table_id=plan.pk, name=name) for name in chosen]
                pool = INSTITUTIONS_EN if plan.language == "en" else INSTITUTIONS_ES
                extra = EXTRA_INSTITUTION_EN if plan.language == "en" else EXTRA_INSTITUTION
                for i in range(plan.n["institutions"]):
                    name, acronym, level = pool[i] if i < len(pool) else extra
                    number = {"n": i - len(pool) + 1}
                    institutions.append(mesa_models.Institution(
                        table_id=plan.pk, name=name.format(**fill, **number),
                        acronym=acronym.format(**number), level=level))
                pool = ORGANISATIONS_EN if plan.language == "en" else ORGANISATIONS_ES
                by_colonia = ORGANISATION_OF_COLONIA_EN if plan.language == "en" else ORGANISATION_OF_COLONIA
                for i in range(plan.n["organisations"]):
                    if i < len(pool):
                        name, kind = pool[i]
                        name = name.format(**fill)
                    else:
                        name, kind = by_colonia
                        name = name.format(colonia=chosen[(i - len(pool)) % len(chosen)])
                        if i - len(pool) >= len(chosen):
                            name += f" {(i - len(pool)) // len(chosen) + 1}"
                    organisations.append(mesa_models.Organisation(table_id=plan.pk, name=name, kind=kind))
            by_table = {plan.pk: plan for plan in self.tables}
            for colonia in Colonia.objects.bulk_create(colonias, batch_size=2000):
                by_table[colonia.table_id].colonias.append((colonia.pk, colonia.name))
            for institution in mesa_models.Institution.objects.bulk_create(institutions, batch_size=2000):
                by_table[institution.table_id].institutions.append(Institution(
                    pk=institution.pk, name=institution.name, acronym=institution.acronym,
                    level=institution.level))
            for organisation in mesa_models.Organisation.objects.bulk_create(organisations, batch_size=2000):
                by_table[organisation.table_id].organisations.append(organisation.pk)
            # The tables, their standing subcommittees and first member date from the table's start.
            values = [(plan.pk, dt(plan.start), plan.dashboard_is_public) for plan in self.tables]
            self.cursor.executemany(
                "UPDATE mesa_table SET created_at = %s, dashboard_is_public = %s WHERE id = %s",
                [(created, public, pk) for pk, created, public in values])
            self.cursor.executemany(
                "UPDATE subcommittees_subcommittee SET created_at = %s WHERE table_id = %s",
                [(created, pk) for pk, created, _public in values])
            self.cursor.executemany(
                "UPDATE mesa_membership SET joined_at = %s WHERE table_id = %s", [
                    (created, pk) for pk, created, _public in values])
            self.cursor.executemany(
                "UPDATE mesa_membershipchange SET created_at = %s WHERE membership_id IN "
                "(SELECT id FROM mesa_membership WHERE table_id = %s)",
                [(created, pk) for pk, created, _public in values])
            step["rows"] = len(colonias) + len(institutions) + len(organisations)

    # --- Memberships, their changes, guardian groups ------------------------------------------------

    def memberships(self) -> None:
        rng = self.rng("memberships")
        self.ids.prime(PEOPLE_TABLES, again=True)  # table_create wrote the first ones
        restore = self.drop_constraints(PEOPLE_TABLES)
        with self.step("memberships, membership changes, role groups") as step:
            members, changes, groups = [], [], []
            membership_id = self.ids.take("mesa_membership", 0)
            for plan in self.tables:
                specs = self.member_specs[plan.number] + self.second_specs[plan.number]
                creator = self.user_id(specs[0][0])
                pool = []
                for position_in_table, (user_index, role, inst, org, verified, joined, left, position) in \
                        enumerate(specs):
                    user = self.user_id(user_index)
                    institution = plan.institutions[inst] if inst is not None else None
                    organisation = plan.organisations[org] if org is not None else None
                    if role == "secretariat":
                        plan.secretariat.append(user)
                    elif role == "coordinator":
                        plan.coordinators.append(user)
                    elif role == "official" and verified:
                        institution.officials.append(user)
                    elif role == "representative" and verified:
                        plan.representatives[user] = organisation
                    if left is None and (role in ("citizen", "representative", "coordinator")
                                         or (role == "official" and not verified)):
                        pool.append((joined, user))
                    if position_in_table == 0:
                        continue  # the table's creator: table_create made the membership
                    needs_verification = role in ("official", "representative")
                    verified_at = None
                    if needs_verification and verified:
                        verified_at = joined + rng.uniform(DAY, 10 * DAY)
                    if verified_at is not None and verified_at >= self.now:
                        verified_at = joined + (self.now - joined) / 2
                    membership = membership_id
                    membership_id += 1
                    members.append((membership, role, position, dt(verified_at), dt(joined), dt(left),
                                    institution.pk if institution else None, user,
                                    creator if verified_at else None, organisation, plan.pk))
                    if role in ("secretariat", "coordinator"):
                        changes.append(("invited", "", role, "", joined, creator, membership))
                    else:
                        changes.append(("joined", "", role, "", joined, user, membership))
                    if verified_at is not None:
                        changes.append(("verified", "", role, "", verified_at, creator, membership))
                    if left is not None:
                        changes.append(("left", role, "", "", left, user, membership))
                        continue
                    groups.append((user, plan.groups["member"]))
                    if role == "official" and verified:
                        groups.append((user, plan.groups["official"]))
                    if role == "secretariat":
                        groups.append((user, plan.groups["secretariat"]))
                pool.sort()
                plan.pool_ts = [joined for joined, _user in pool]
                plan.pool_ids = [user for _joined, user in pool]
            self.ids.take("mesa_membership", len(members))
            step["rows"] = self.copier.copy("mesa_membership", members)
            base = self.ids.take("mesa_membershipchange", len(changes))
            step["rows"] += self.copier.copy("mesa_membershipchange", (
                (base + i, action, from_role, to_role, note, dt(at), actor, membership)
                for i, (action, from_role, to_role, note, at, actor, membership) in enumerate(changes)))
            base = self.ids.take("accounts_user_groups", len(groups))
            step["rows"] += self.copier.copy("accounts_user_groups", (
                (base + i, user, group) for i, (user, group) in enumerate(groups)))
        self.restore_constraints(restore)

    def coordinators(self) -> None:
        """Each subcommittee gets one or two of its table's coordinators, through the service."""
        from accounts.models import User
        from subcommittees.models import Subcommittee as SubcommitteeModel
        from subcommittees.services import subcommittee_set_coordinators

        with self.step("coordinators (subcommittees.services.subcommittee_set_coordinators)") as step:
            subcommittees = SubcommitteeModel.objects.select_related("table").in_bulk(
                [s.pk for plan in self.tables for s in plan.subcommittees])
            people = User.objects.in_bulk([u for plan in self.tables for u in plan.coordinators])
            for plan in self.tables:
                subs, coordinators = plan.subcommittees, plan.coordinators or plan.secretariat[:1]
                for i in range(max(len(subs), len(coordinators))):
                    chosen = subs[i % len(subs)].coordinators
                    if coordinators[i % len(coordinators)] not in chosen:
                        chosen.append(coordinators[i % len(coordinators)])
                for sub in subs:
                    users = [people.get(pk) or User.objects.get(pk=pk) for pk in sub.coordinators]
                    subcommittee_set_coordinators(subcommittee=subcommittees[sub.pk], users=users)
                    step["rows"] += len(users)

    # --- Concerns ------------------------------------------------------------------------------

    def concerns(self) -> None:
        from concerns import receipts

        rng = self.rng("concerns")
        total = sum(plan.n["concerns"] for plan in self.tables)
        visibilities = ["restricted"] * math.floor(total * RESTRICTED_SHARE + 0.5)
        visibilities += ["anonymous"] * math.floor(total * ANONYMOUS_SHARE + 0.5)
        visibilities += ["public"] * (total - len(visibilities))
        rng.shuffle(visibilities)
        self.concern_base = self.ids.take("concerns_concern", total)
        descriptions = self.description_pools(rng)
        codes = receipt_codes(self.seed)
        self.support_plans: list[tuple] = []
        self.concern_events: list[tuple] = []
        self.assignments: list[tuple] = []
        self.answers: list[tuple] = []
        self.replies: list[tuple] = []
        self.ratings: list[tuple] = []
        self.accused: list[tuple] = []
        with self.step("concerns") as step:
            planned: list[tuple[TablePlan, list[PlannedConcern]]] = []
            with self.part("generate"):
                next_id, position = self.concern_base, 0
                for table_index, plan in enumerate(self.tables):
                    count = plan.n["concerns"]
                    concerns = self.plan_table_concerns(
                        plan, rng, next_id, visibilities[position:position + count], descriptions)
                    next_id, position = next_id + count, position + count
                    self.plan_supports(plan, table_index, concerns, rng)
                    for concern in concerns:
                        if concern.visibility == "anonymous":
                            concern.receipt = receipts.code_hash(codes.pop(0)) if plan.number == 1 and codes \
                                else f"{rng.getrandbits(256):064x}"
                    planned.append((plan, concerns))
            with self.part("search vectors of each distinct title and description"):
                titles, texts = self.search_vectors(planned)

            def rows():
                for plan, concerns in planned:
                    for c in concerns:
                        title, shift = titles[c.title]
                        yield (c.id, c.title, c.description, c.colonia_other, c.happened_on, c.place,
                               c.visibility, c.receipt, dt(c.consent), c.status, c.status_reason,
                               dt(c.hidden), c.hidden_reason, c.supports, dt(c.c0), dt(c.accepted),
                               dt(c.first_answer), dt(c.resolved), c.colonia_id, c.duplicate_of, c.reporter,
                               c.subcommittee, plan.pk, dt(c.asked),
                               f"{title} {texts.shifted(c.description, shift)}")

            with self.part("copy (the search-vector trigger switched off: the vectors are given)"):
                self.cursor.execute("ALTER TABLE concerns_concern DISABLE TRIGGER " + SEARCH_TRIGGER)
                step["rows"] = self.copier.copy("concerns_concern", rows())
                self.cursor.execute("ALTER TABLE concerns_concern ENABLE TRIGGER " + SEARCH_TRIGGER)
            with self.part("check a sample of vectors against the trigger's expression"):
                sample = rng.sample(range(self.concern_base, self.concern_base + total), min(total, 2000))
                self.cursor.execute(
                    f"SELECT count(*) FROM concerns_concern WHERE id = ANY(%s) "  # noqa: S608
                    f"AND search_vector IS DISTINCT FROM ({SEARCH_EXPRESSION})", [sample])
                wrong = self.cursor.fetchone()[0]
                if wrong:
                    raise RuntimeError(f"{wrong} search vectors differ from what the trigger would write.")
        with self.step("concern timelines, assignments, answers, replies") as step:
            base = self.ids.take("concerns_concern_accused_institutions", len(self.accused))
            copy = self.copier.copy
            step["rows"] = copy("concerns_concern_accused_institutions", (
                (base + i, concern, institution) for i, (concern, institution) in enumerate(self.accused)))
            step["rows"] += copy("concerns_concernassignment", (
                (pk, dt(at), by, concern, institution)
                for pk, at, by, concern, institution in self.assignments))
            step["rows"] += copy("concerns_answer", (
                (pk, text, dt(at), author, institution, concern)
                for pk, text, at, author, institution, concern in self.answers))
            step["rows"] += copy("concerns_reply", (
                (pk, text, dt(at), author, concern, dt(hidden), reason)
                for pk, text, at, author, concern, hidden, reason in self.replies))
            base = self.ids.take("concerns_concernevent", len(self.concern_events))
            step["rows"] += copy("concerns_concernevent", (
                (base + i, concern, kind, actor, by_reporter, from_status, to_status, note, dt(at))
                for i, (concern, kind, actor, by_reporter, from_status, to_status, note, at)
                in enumerate(self.concern_events)))
            del self.concern_events, self.accused, self.assignments, self.replies

    def plan_supports(self, plan: TablePlan, table_index: int, concerns: list[PlannedConcern],
                      rng: random.Random) -> None:
        """How many supports each concern gets: a heavy tail (most have a few, some hundreds or a few
        thousand), fewer for restricted, anonymous, rejected and hidden ones, none for duplicates
        (concern_mark_duplicate moves them to the original), never more than a twelfth of the
        members who could give them."""
        weights, caps = [], []
        for concern in concerns:
            weight = rng.paretovariate(1.16) * (1.0 if concern.visibility == "public" else 0.6)
            if concern.status == "rejected" or concern.hidden is not None:
                weight *= 0.1
            if concern.duplicate_of is not None:
                weight = 0.0
            weights.append(weight)
            known = plan.members_before(concern.c0)  # members who could support it (not its reporter)
            caps.append(max(0, min(known - 1, 25 + known // 12)))
        for concern, count in zip(concerns, allocate(plan.n["supports"], weights, caps), strict=True):
            concern.supports = count
            answer, answered_at = concern.answers[0] if concern.answers else (None, None)
            self.support_plans.append((concern.id, table_index, concern.c0, concern.reporter, count, answer,
                                       answered_at))

    def search_vectors(self, planned: list) -> tuple[dict[str, tuple[str, int]], TsVectors]:
        """The search vector's title part (weight A) and description part (weight B), computed by
        PostgreSQL with the trigger's own expression, once per distinct text. A concern's vector is
        the two joined with tsvector's `||`, which shifts the positions of the right-hand part by the
        left-hand part's largest position (done here, in text: PostgreSQL merges what it reads)."""
        titles = sorted({c.title for _plan, concerns in planned for c in concerns})
        descriptions = sorted({c.description for _plan, concerns in planned for c in concerns})
        self.cursor.execute("CREATE TEMP TABLE bench_text (weight char(1), text text) ON COMMIT DROP")
        self.copier.copy("bench_text", [*(("A", t) for t in titles), *(("B", d) for d in descriptions)],
                         columns="weight text")
        self.cursor.execute(
            "SELECT weight, text, (setweight(to_tsvector('spanish', mesa_unaccent(text)), weight::\"char\")"
            " || setweight(to_tsvector('english', mesa_unaccent(text)), weight::\"char\"))::text "
            "FROM bench_text")
        title_parts, texts = {}, TsVectors()
        for weight, text, vector in self.cursor.fetchall():
            if weight == "A":
                title_parts[text] = (vector, TsVectors.largest_position(vector))
            else:
                texts.add(text, vector)
        self.cursor.execute("DROP TABLE bench_text")
        return title_parts, texts

    def description_pools(self, rng: random.Random) -> dict[tuple[str, str], list[str]]:
        """Descriptions per language and theme: a few hundred texts that many concerns share."""
        pools = {}
        for language, themes in CONCERN_SENTENCES.items():
            generic = themes[""]
            for theme, sentences in themes.items():
                texts = set()
                for _ in range(150 if language == "es" else 30):
                    chosen = rng.sample(sentences, min(len(sentences), rng.randint(2, 3)))
                    if theme and rng.random() < 0.5:
                        chosen.append(rng.choice(generic))
                    closing = rng.choice(CLOSING_SENTENCES[language])
                    texts.add(" ".join([*chosen, closing]).strip())
                pools[language, theme] = sorted(texts)
        return pools

    def plan_table_concerns(self, plan: TablePlan, rng: random.Random, first_id: int, visibilities: list[str],
                            descriptions: dict) -> list[PlannedConcern]:
        """One table's concerns in time order, each taken through its life as the services would,
        recording its timeline, assignments, answers, replies and the reporter's rating."""
        zone = plan.zone
        now = self.now - 60
        count = len(visibilities)
        span = now - plan.start
        days = sorted(plan.start + span * rng.random() ** 0.85 for _ in range(count))
        moments = []
        for day_ts in days:
            day = local_date(day_ts, zone)
            moment = local_ts(day, rng.choice(CONCERN_HOURS), rng.randrange(60), zone) + rng.random() * 60
            moments.append(min(max(moment, plan.start), now - rng.random() * HOUR))
        moments.sort()
        theme_weights = {"violent_theft": 30, "threat_response": 25, "access_to_justice": 20,
                         "human_rights": 10, "indicators": 3}
        extras = [s for s in plan.subcommittees if not s.theme]
        sub_weights = _cumulative([theme_weights.get(s.theme, 12 / max(1, len(extras)))
                                   for s in plan.subcommittees])
        colonia_weights = _cumulative([1.0 / (rank + 3) for rank in range(len(plan.colonias))])
        secretariat = plan.secretariat
        triagers = {s.pk: s.coordinators + secretariat for s in plan.subcommittees}
        answering = [i for i in plan.institutions if i.officials]
        by_theme = {}
        for theme, acronyms in THEME_INSTITUTIONS.items():
            preferred = [i for i in answering if i.acronym in acronyms]
            by_theme[theme] = preferred or answering
        police = [i for i in plan.institutions if i.acronym in ("SSPM", "SSPE", "GN", "PD", "DPS")] or \
            plan.institutions
        originals: list[int] = []
        planned = []
        for offset, (c0, visibility) in enumerate(zip(moments, visibilities, strict=True)):
            concern = PlannedConcern(first_id + offset, c0, visibility)
            sub = rng.choices(plan.subcommittees, cum_weights=sub_weights)[0]
            concern.subcommittee = sub.pk
            language = plan.language if rng.random() > 0.04 else "en"
            colonia_id, colonia = rng.choices(plan.colonias, cum_weights=colonia_weights)[0]
            street = rng.choice(STREETS)
            title = rng.choice(CONCERN_TITLES[language][sub.theme]) + rng.choice(TITLE_SUFFIXES[language])
            concern.title = title.format(colonia=colonia, calle=street, calle2=rng.choice(STREETS))[:200]
            concern.description = rng.choice(descriptions[language, sub.theme])
            where = rng.random()
            concern.colonia_id = colonia_id if where < 0.85 else None
            concern.colonia_other = colonia if 0.85 <= where < 0.9 else ""
            if rng.random() < 0.65:
                concern.happened_on = local_date(c0 - rng.uniform(0, 14 * DAY), zone)
            if rng.random() < 0.45:
                concern.place = rng.choice(PLACES).format(calle=street, calle2=rng.choice(STREETS),
                                                          colonia=colonia)
            if visibility != "anonymous":
                known = plan.members_before(c0)
                concern.reporter = plan.pool_ids[rng.randrange(known)] if known else plan.pool_ids[0]
            if sub.theme == "human_rights" and rng.random() < 0.55 or rng.random() < 0.04:
                accused = rng.sample(police, min(len(police), 1 if rng.random() < 0.9 else 2))
                self.accused += [(concern.id, institution.pk) for institution in accused]
                if visibility == "restricted" and rng.random() < 0.3:
                    concern.consent = c0
            age = (self.now - c0) / DAY
            mix = next(cumulative for limit, cumulative in STATUS_MIX if age < limit)
            target = rng.choices(CONCERN_STATUSES, cum_weights=mix)[0]
            special = rng.random()
            hide = special < 0.005
            duplicate = 0.005 <= special < 0.015 and bool(originals)
            if (hide or duplicate) and target not in ("submitted", "rejected"):
                target = "accepted"
            events = [(concern.id, "raised", concern.reporter, True, "", "submitted", "", c0)]
            triager = rng.choice(triagers[sub.pk])
            self.live(concern, target, rng, events, triager, by_theme[sub.theme], language)
            if hide:
                at = c0 + rng.uniform(HOUR, 5 * DAY)
                if at < now:
                    concern.hidden, concern.hidden_reason = at, rng.choice(HIDE_REASONS)
                    events.append((concern.id, "hidden", triager, False, "", "", concern.hidden_reason, at))
            if duplicate and concern.status != "rejected":
                at = c0 + rng.uniform(HOUR, 3 * DAY)
                if at < now:
                    concern.duplicate_of = rng.choice(originals[-200:])
                    events.append((concern.id, "duplicate", triager, False, "", "", str(concern.duplicate_of),
                                   at))
            if concern.status != "rejected" and concern.hidden is None and concern.duplicate_of is None:
                originals.append(concern.id)
            events.sort(key=lambda event: event[-1])
            self.concern_events += events
            planned.append(concern)
            plan.concern_ts.append(c0)
            plan.concern_ids.append(concern.id)
            plan.concern_titles.append(concern.title)
        return planned

    def live(self, concern: PlannedConcern, target: str, rng: random.Random, events: list, triager: int,
             institutions: list[Institution], language: str) -> None:
        """Take a concern towards `target` along the allowed transitions, as far as time allows."""
        now = self.now - 60
        cid, reporter = concern.id, concern.reporter
        if target == "submitted":
            return
        at = concern.c0 + min(30 * DAY, rng.lognormvariate(TRIAGE_MEDIAN, 1.0))
        if at >= now:
            return
        if target == "rejected":
            reason = rng.choice(REJECT_REASONS)
            events.append((cid, "status", triager, False, "submitted", "rejected", reason, at))
            concern.status, concern.status_reason = "rejected", reason
            return
        events.append((cid, "status", triager, False, "submitted", "accepted", "", at))
        concern.status, concern.accepted = "accepted", at
        wanted = 0 if rng.random() < 0.12 else (1 if rng.random() < 0.8 else 2)
        if target == "answered":
            wanted = max(wanted, 1)
        chosen = rng.sample(institutions, min(wanted, len(institutions)))
        at += rng.uniform(0.05, 1) * DAY
        if at >= now:
            chosen = []
        for institution in chosen:
            assignment = self.ids.one("concerns_concernassignment")
            self.assignments.append((assignment, at, triager, cid, institution.pk))
            events.append((cid, "assigned", triager, False, "", "", institution.label, at))
            at += 60
        if target == "accepted":
            return
        answer_share = {"in_progress": 0.7, "resolved": 0.85, "partly_resolved": 0.85, "closed": 0.5}
        answered = bool(chosen) and (target == "answered" or rng.random() < answer_share[target])
        if answered:
            for number, institution in enumerate(chosen):
                if number and rng.random() < 0.4:
                    break
                at += min(90 * DAY, rng.lognormvariate(ANSWER_MEDIAN, 0.9)) if not number \
                    else rng.uniform(0.5, 10) * DAY
                if at >= now:
                    return
                author = rng.choice(institution.officials)
                text = rng.choice(ANSWER_TEXTS[language]).format(inst=institution.name, n=rng.randint(2, 12))
                answer = self.ids.one("concerns_answer")
                self.answers.append((answer, text, at, author, institution.pk, cid))
                concern.answers.append((answer, at))
                previous = concern.status
                concern.status = "answered" if previous == "accepted" else previous
                if concern.first_answer is None:
                    concern.first_answer = at
                events.append((cid, "answered", author, False, previous, concern.status, institution.label,
                               at))
            first_answer, answered_at = concern.answers[0]
            if rng.random() < 0.12:
                replied = answered_at + rng.uniform(0.5, 7) * DAY
                if replied < now:
                    hidden = replied + DAY if rng.random() < 0.02 else None
                    self.replies.append((self.ids.one("concerns_reply"), rng.choice(REPLY_TEXTS[language]),
                                         replied, reporter, cid, hidden,
                                         "Lenguaje ofensivo." if hidden else ""))
                    events.append((cid, "reply", reporter, True, "", "", "", replied))
            if (reporter is not None and rng.random() < 0.35) or (reporter is None and rng.random() < 0.2):
                rated = answered_at + rng.uniform(HOUR, 10 * DAY)
                if rated < now:
                    self.ratings.append((self.ids.one("concerns_rating"), rng.choice(SCORES),
                                         rng.choice(RATING_COMMENTS), rated, rated, first_answer, reporter))
        if target == "answered":
            return
        if target == "in_progress" or (target in ("resolved", "partly_resolved")
                                       and (not answered or rng.random() < 0.5)):
            at += rng.uniform(1, 20) * DAY
            if at >= now:
                return
            events.append((cid, "status", triager, False, concern.status, "in_progress", "", at))
            concern.status = "in_progress"
            if target == "in_progress":
                return
        at += min(120 * DAY, rng.lognormvariate(RESOLUTION_MEDIAN, 0.8))
        if at >= now:
            return
        reason = rng.choice(CLOSE_REASONS) if target == "closed" else ""
        events.append((cid, "status", triager, False, concern.status, target, reason, at))
        concern.status, concern.status_reason = target, reason
        if target == "closed":
            return
        concern.resolved = at
        asked = at + 28 * DAY + rng.uniform(0, DAY)  # the table's resolution_check_after_days
        if asked >= now:
            return
        concern.asked = asked
        events.append((cid, "asked", None, False, "", "", "", asked))
        confirmed = asked + rng.uniform(1, 10) * DAY
        if rng.random() < 0.3 and confirmed < now:
            events.append((cid, "confirmed", reporter, True, concern.status, "resolved", "", confirmed))
            concern.status = "resolved"


    # --- Supports (and what they bring: follows, supporters' ratings) ----------------------------------

    def supports(self) -> None:
        rng = self.rng("supports")
        now = self.now - 60
        mean_delay = 1 / (4 * DAY)
        support_base = self.ids.take("concerns_support", 0)

        def rows():
            next_id = support_base
            for cid, table_index, c0, reporter, count, answer, answered_at in self.support_plans:
                if not count:
                    continue
                plan = self.tables[table_index]
                pool = plan.pool_ids
                picked = rng.sample(range(plan.members_before(c0)), count + 1)
                users = [pool[i] for i in picked if pool[i] != reporter][:count]
                representatives = plan.representatives
                for user in users:
                    at = c0 + rng.expovariate(mean_delay)
                    if at >= now:
                        at = c0 + (now - c0) * rng.random()
                    organisation = representatives.get(user) if rng.random() < 0.5 else None
                    yield (next_id, dt(at), cid, organisation, user)
                    next_id += 1
                    if answer is not None and rng.random() < 0.03:
                        rated = max(at, answered_at) + rng.uniform(HOUR, 5 * DAY)
                        if rated < now:
                            self.ratings.append((self.ids.one("concerns_rating"), rng.choice(SCORES),
                                                 rng.choice(RATING_COMMENTS), rated, rated, answer, user))
            self.ids.take("concerns_support", next_id - support_base)

        with self.step("supports") as step:
            step["rows"] = self.copier.copy("concerns_support", rows())
        with self.step("concern follows (reporters and supporters, set-based), ratings") as step:
            # concern_raise makes the reporter follow; support_add the supporter (some stopped since).
            self.cursor.execute(
                "INSERT INTO concerns_follow (concern_id, user_id, created_at) "
                "SELECT concern_id, user_id, created_at FROM ("
                "  SELECT id AS concern_id, reporter_id AS user_id, created_at, 0 AS source "
                "  FROM concerns_concern WHERE id >= %s AND reporter_id IS NOT NULL"
                "  UNION ALL"
                "  SELECT concern_id, user_id, created_at, 1 FROM concerns_support"
                "  WHERE id >= %s AND id %% 20 <> 0"
                ") f ORDER BY concern_id, source, created_at, user_id",
                [self.concern_base, support_base])
            step["rows"] = self.cursor.rowcount
            step["rows"] += self.copier.copy("concerns_rating", (
                (pk, score, comment, dt(created), dt(updated), answer, user)
                for pk, score, comment, created, updated, answer, user in self.ratings))
            del self.ratings, self.support_plans

    # --- Sessions, agendas, attendance, minutes, proposals, agreements -----------------------------------

    def sessions(self) -> None:
        rng = self.rng("sessions")
        out: dict[str, list] = {name: [] for name in (
            "sessions", "changes", "invited", "agenda", "agenda_concerns", "agenda_proposals", "attendance",
            "presences", "minutes", "rsvps", "proposals", "proposal_concerns", "agreements",
            "agreement_concerns", "agreement_proposals", "agreement_institutions")}
        self.agreement_plans: list[AgreementPlan] = []
        with self.step("plan sessions, proposals, agreements") as step:
            for table_index, plan in enumerate(self.tables):
                self.plan_table_sessions(table_index, plan, rng, out)
            step["rows"] = len(out["sessions"])
        with self.step("sessions, agendas, attendance, minutes, proposals, agreements") as step:
            copy, pairs = self.copier.copy, self.copy_pairs
            step["rows"] += copy("meetings_session", out["sessions"], history="meetings_sessionevent")
            changes = sorted(out["changes"], key=lambda change: (change[-1], change[-3]))
            base = self.ids.take("meetings_sessionchange", len(changes))
            step["rows"] += copy("meetings_sessionchange", (
                (base + i, kind, reason, dt(old_starts), dt(old_ends), dt(new_starts), dt(new_ends), dt(at),
                 actor, session)
                for i, (kind, reason, old_starts, old_ends, new_starts, new_ends, at, actor, session)
                in enumerate(changes)))
            step["rows"] += pairs("meetings_session_invited_institutions", "session_id institution_id",
                                  out["invited"])
            step["rows"] += copy("meetings_proposal", out["proposals"], history="meetings_proposalevent")
            step["rows"] += pairs("meetings_proposal_concerns", "proposal_id concern_id",
                                  out["proposal_concerns"])
            step["rows"] += copy("meetings_agendaitem", out["agenda"])
            step["rows"] += pairs("meetings_agendaitem_concerns", "agendaitem_id concern_id",
                                  out["agenda_concerns"])
            step["rows"] += pairs("meetings_agendaitem_proposals", "agendaitem_id proposal_id",
                                  out["agenda_proposals"])
            step["rows"] += copy("meetings_attendance", out["attendance"])
            step["rows"] += copy("meetings_institutionpresence", out["presences"])
            step["rows"] += copy("meetings_minutes", out["minutes"], history="meetings_minutesevent")
            step["rows"] += copy("meetings_rsvp", out["rsvps"])
            step["rows"] += copy("meetings_agreement", out["agreements"], history="meetings_agreementevent")
            step["rows"] += pairs("meetings_agreement_concerns", "agreement_id concern_id",
                                  out["agreement_concerns"])
            step["rows"] += pairs("meetings_agreement_proposals", "agreement_id proposal_id",
                                  out["agreement_proposals"])
            step["rows"] += pairs("meetings_agreement_responsible_institutions",
                                  "agreement_id institution_id", out["agreement_institutions"])

    def copy_pairs(self, table: str, columns: str, pairs: list[tuple[int, int]]) -> int:
        """A many-to-many table (`columns`: its two keys): one row per distinct pair."""
        pairs = sorted(set(pairs))
        base = self.ids.take(table, len(pairs))
        return self.copier.copy(table, ((base + i, a, b) for i, (a, b) in enumerate(pairs)),
                                columns=f"id {columns}")

    def recent_concerns(self, plan: TablePlan, rng: random.Random, before: float, count: int) -> list[int]:
        """Up to `count` of the table's concerns raised shortly before `before`."""
        known = plan.concerns_before(before)
        if not known:
            return []
        low = max(0, known - 300)
        return [plan.concern_ids[i] for i in rng.sample(range(low, known), min(count, known - low))]

    def plan_table_sessions(self, table_index: int, plan: TablePlan, rng: random.Random, out: dict) -> None:
        zone = plan.zone
        now = self.now - 60
        language = plan.language
        titles, topics = SESSION_TITLES[language], SESSION_TOPICS[language]
        secretary = plan.secretariat[0]
        total = plan.n["sessions"]
        months = max(1, int((now - plan.start) / (30.44 * DAY)))
        plenaries = max(1, min(round(total * 0.3), months + 1))
        upcoming_plenary = plenaries >= 2
        past_plenaries = plenaries - upcoming_plenary
        times: list[tuple[float, Subcommittee | None]] = []
        first, last = plan.start + 15 * DAY, now - 3 * DAY
        for k in range(past_plenaries):
            day = local_date(first + (last - first) * (k + 0.5) / past_plenaries, zone)
            times.append((local_ts(day, 17 if rng.random() < 0.8 else 10, 0, zone), None))
        if upcoming_plenary:
            times.append((local_ts(local_date(self.now + rng.uniform(3, 35) * DAY, zone), 17, 0, zone), None))
        for _ in range(total - plenaries):
            sub = rng.choice(plan.subcommittees)
            if rng.random() < 0.04:
                moment = self.now + rng.uniform(2, 45) * DAY
            else:
                moment = plan.start + 7 * DAY + (now - 2 * DAY - plan.start - 7 * DAY) * rng.random()
            hour, minute = rng.choice((10, 12, 16, 18)), rng.choice((0, 30))
            times.append((local_ts(local_date(moment, zone), hour, minute, zone), sub))
        times.sort(key=lambda pair: (pair[0], pair[1].pk if pair[1] else 0))
        codes: dict[str, int] = {}
        held_plenaries, upcoming_plenaries, held, records = [], [], [], []
        first_plenary_held = False
        for starts, sub in times:
            pk = self.ids.one("meetings_session")
            ends = starts + (2.5 if sub is None else 2) * HOUR
            local = datetime.fromtimestamp(starts, zone)
            base = f"{'PL' if sub is None else sub.prefix}-{local:%Y-%m}"
            codes[base] = codes.get(base, 0) + 1
            code = base if codes[base] == 1 else f"{base}-{codes[base]}"
            upcoming = ends + 2 * HOUR >= now
            roll = rng.random()
            if upcoming:
                status = "scheduled" if roll < 0.85 else "rescheduled" if roll < 0.95 else "cancelled"
            elif sub is None and not first_plenary_held:
                status, first_plenary_held = "held", True
            else:
                status = "held" if roll < 0.88 else "cancelled" if roll < 0.93 else \
                    "scheduled" if roll < 0.98 else "rescheduled"
            organiser = secretary if sub is None else rng.choice(sub.coordinators or [secretary])
            created = max(plan.start, starts - rng.uniform(7, 45) * DAY)
            if created >= now:
                created = now - rng.uniform(1, 10) * DAY
            changes = out["changes"]
            sequence, updated = 0, created
            moved = None
            if status == "rescheduled" or (status == "held" and rng.random() < 0.08):
                shift = rng.uniform(1, 7) * DAY
                moved = (starts - shift, ends - shift)  # the times it was first scheduled for
                moved_at = created + (min(moved[0], now) - created) * rng.uniform(0.2, 0.8)
            first_starts, first_ends = moved or (starts, ends)
            changes.append(("scheduled", "", None, None, first_starts, first_ends, created, organiser, pk))
            if moved is not None:
                sequence, updated = 1, moved_at
                changes.append(("rescheduled", rng.choice(RESCHEDULE_REASONS), first_starts, first_ends,
                                starts, ends, moved_at, organiser, pk))
            agenda_published = None
            if rng.random() < 0.3:
                candidate = starts - rng.uniform(8, 20) * DAY
                if created < candidate < now:
                    agenda_published = candidate
                    changes.append(("agenda_published", "", None, None, None, None, candidate, organiser, pk))
                    updated = max(updated, candidate)
            cancellation = ""
            if status == "cancelled":
                cancelled = created + (min(starts, now) - created) * rng.uniform(0.5, 0.95)
                cancellation = rng.choice(CANCEL_REASONS)
                sequence += 1
                updated = max(updated, cancelled)
                changes.append(("cancelled", cancellation, None, None, None, None, cancelled, organiser, pk))
            held_at = None
            if status == "held":
                held_at = ends + rng.uniform(0.5, 48) * HOUR
                if held_at >= now:
                    held_at = ends + (now - ends) / 2
                updated = max(updated, held_at)
                changes.append(("held", "", None, None, None, None, held_at, secretary, pk))
                changes.append(("attendance_recorded", "", None, None, None, None, held_at, secretary, pk))
            topic = rng.choice(topics)
            if sub is None:
                title = titles[0] if rng.random() < 0.6 else titles[1].format(topic=topic)
            else:
                title = titles[2] if rng.random() < 0.6 else titles[3]
                title = title.format(name=sub.name.lower(), topic=topic)
            colonia = rng.choice(plan.colonias)[1]
            record = SessionPlan(pk=pk, code=code, sub=sub, starts=starts, ends=ends, status=status,
                                 held_at=held_at, created=created, organiser=organiser)
            out["sessions"].append([
                pk, code, title, f"{title}. Orden del día y materiales en la plataforma.",
                dt(starts), dt(ends),
                rng.choice(PLACES_SESSION).format(colonia=colonia),
                f"https://reuniones.example.org/{plan.slug}/{code.lower()}" if rng.random() < 0.35 else "",
                rng.random() < (0.95 if sub is None else 0.7), status, cancellation,
                (rng.randint(3, 8) if rng.random() < 0.3 else None) if sub else None, dt(agenda_published),
                uuid.UUID(int=rng.getrandbits(128), version=4), sequence, dt(created), dt(updated), organiser,
                sub.pk if sub else None, plan.pk])
            if sub is None:
                invited = list(plan.institutions)
            else:
                invited = rng.sample(plan.institutions, min(len(plan.institutions), rng.randint(1, 3)))
            record.invited = invited
            out["invited"] += [(pk, institution.pk) for institution in invited]
            if status == "held":
                held.append(record)
                if sub is None:
                    held_plenaries.append(record)
            elif sub is None and upcoming and status != "cancelled":
                upcoming_plenaries.append(record)
            records.append(record)
        self.plan_agreements(table_index, plan, rng, held, out)
        self.plan_proposals(plan, rng, held_plenaries, upcoming_plenaries, out)
        for record in records:
            self.plan_session_details(plan, rng, record, out)

    def plan_agreements(self, table_index: int, plan: TablePlan, rng: random.Random, held: list[SessionPlan],
                        out: dict) -> None:
        """The table's agreements at its held sessions (plenaries take most), numbered per session, and
        how many commitments each will carry, with the institutions it names."""
        now = self.now - 60
        if not held:
            return
        secretary = plan.secretariat[0]
        answering = [i for i in plan.institutions if i.officials] or plan.institutions
        texts = AGREEMENT_TEXTS[plan.language]
        agreements = []
        counts = allocate(plan.n["agreements"], [5.0 if record.sub is None else 1.0 for record in held])
        for record, count in zip(held, counts, strict=True):
            record.agreements = count
            day = local_date(record.starts, plan.zone)
            for number in range(1, count + 1):
                pk = self.ids.one("meetings_agreement")
                created = min(record.starts + (20 + 6 * number) * 60.0, now)
                withdrawn, reason = None, ""
                if rng.random() < 0.02:
                    candidate = created + rng.uniform(7, 120) * DAY
                    if candidate < now:
                        withdrawn, reason = candidate, rng.choice(WITHDRAW_REASONS)
                main = rng.choice(answering)
                text = rng.choice(texts).format(inst=main.name, colonia=rng.choice(plan.colonias)[1],
                                                n=rng.randint(2, 200))
                code = f"{record.code}/{number}"
                out["agreements"].append((
                    pk, number, code, text, dt(created), dt(withdrawn), reason,
                    secretary if record.sub is None else record.organiser, plan.pk,
                    secretary if withdrawn else None, record.pk))
                if rng.random() < 0.35:
                    concerns = self.recent_concerns(plan, rng, record.starts, rng.randint(1, 3))
                    out["agreement_concerns"] += [(pk, concern) for concern in concerns]
                agreement = AgreementPlan(pk=pk, table_index=table_index, code=code, day=day, created=created,
                                          withdrawn=withdrawn, main=main)
                record.agreement_pks.append(pk)
                agreements.append(agreement)
        standing = [a for a in agreements if a.withdrawn is None] or agreements
        counts = allocate(plan.n["commitments"], [rng.uniform(0.5, 1.5) for _ in standing])
        for agreement, count in zip(standing, counts, strict=True):
            agreement.count = count
        for agreement in agreements:
            others = [i for i in answering if i is not agreement.main]
            rng.shuffle(others)
            owners = [agreement.main] + others
            agreement.owners = [owners[n % len(owners)] for n in range(agreement.count)]
            named = {i.pk: i for i in agreement.owners} if agreement.count else \
                ({agreement.main.pk: agreement.main} if rng.random() < 0.8 else {})
            if agreement.count and rng.random() < 0.25:
                level = agreement.owners[0].level
                partners = [i for i in plan.institutions if i.level != level and i.pk not in named]
                if partners:
                    agreement.partner = rng.choice(partners)
                    named[agreement.partner.pk] = agreement.partner
            out["agreement_institutions"] += [(agreement.pk, pk) for pk in named]
            if agreement.count:
                self.agreement_plans.append(agreement)

    def plan_proposals(self, plan: TablePlan, rng: random.Random, held_plenaries: list[SessionPlan],
                       upcoming_plenaries: list[SessionPlan], out: dict) -> None:
        """What subcommittees proposed: agreed at a plenary, rejected or discussed there, submitted to the
        next one, or still drafts."""
        now = self.now - 60
        secretary = plan.secretariat[0]
        subs = [s for s in plan.subcommittees if s.theme != "indicators"] or plan.subcommittees
        deciding = [record for record in held_plenaries if record.agreement_pks]
        for _ in range(round(plan.n["agreements"] * 0.25)):
            roll = rng.random()
            status = "agreed" if roll < 0.45 else "rejected" if roll < 0.55 else "discussed" if roll < 0.65 \
                else "submitted" if roll < 0.8 else "draft"
            record = agreement = submitted = decided = None
            note = ""
            if status == "agreed" and deciding:
                record = rng.choice(deciding)
                agreement = rng.choice(record.agreement_pks)
                decided = min(record.starts + HOUR, now)
            elif status in ("rejected", "discussed") and held_plenaries:
                record = rng.choice(held_plenaries)
                decided = min(record.ends, now)
                if status == "rejected" or rng.random() < 0.5:
                    note = "La sesión plenaria pidió más información a la subcomisión."
            elif status == "submitted" and upcoming_plenaries:
                record = rng.choice(upcoming_plenaries)
                submitted = now - rng.uniform(0.5, 10) * DAY
            else:
                status = "draft"
            if record is not None and submitted is None:
                submitted = record.starts - rng.uniform(2, 20) * DAY
            if submitted is not None:
                submitted = max(submitted, plan.start + DAY)
                created = max(plan.start, submitted - rng.uniform(1, 30) * DAY)
            else:
                created = plan.start + (now - plan.start) * rng.uniform(0.3, 1.0)
            sub = rng.choice(subs)
            institution = rng.choice(plan.institutions) if rng.random() < 0.7 else None
            quantity, unit = (rng.randint(5, 300), rng.choice(UNITS)) if rng.random() < 0.4 else (None, "")
            title = rng.choice(PROPOSAL_TITLES).format(n=quantity or rng.randint(20, 200),
                                                       colonia=rng.choice(plan.colonias)[1])
            whom = institution.name if institution else "las autoridades de la mesa"
            pk = self.ids.one("meetings_proposal")
            out["proposals"].append((
                pk, title, f"Pedimos a {whom}: {title[0].lower()}{title[1:]}.", quantity, unit, status, note,
                dt(created), dt(max(created, submitted or created, decided or created)), dt(submitted),
                dt(decided),
                rng.choice(sub.coordinators or [secretary]), institution.pk if institution else None, sub.pk,
                plan.pk, record.pk if record else None))
            concerns = self.recent_concerns(plan, rng, created, rng.randint(1, 3))
            out["proposal_concerns"] += [(pk, concern) for concern in concerns]
            if record is not None:
                record.proposals.append(pk)
            if agreement is not None:
                out["agreement_proposals"].append((agreement, pk))

    def plan_session_details(self, plan: TablePlan, rng: random.Random, record: SessionPlan,
                             out: dict) -> None:
        """A session's agenda; for a held one its attendance, the institutions present and its minutes;
        for an upcoming one the members' answers."""
        now = self.now - 60
        secretary = plan.secretariat[0]
        pk = record.pk
        items = [(rng.choice(AGENDA_OPENING), [], [], 10)]
        for _ in range(rng.randint(0, 3)):
            concerns = self.recent_concerns(plan, rng, record.starts, 1) if rng.random() < 0.4 else []
            if concerns:
                title = "Seguimiento del planteamiento: " + plan.concern_titles[
                    bisect.bisect_left(plan.concern_ids, concerns[0])]
            else:
                title = rng.choice(AGENDA_MIDDLE)
            items.append((title[:200], concerns, [], rng.choice((15, 20, 30, 45, None))))
        if record.proposals:
            items.append(("Propuestas de las subcomisiones", [], record.proposals, 45))
        items.append((AGENDA_CLOSING, [], [], None))
        for position, (title, concerns, proposals, minutes) in enumerate(items, start=1):
            item = self.ids.one("meetings_agendaitem")
            out["agenda"].append((item, position, title, "", minutes, pk))
            out["agenda_concerns"] += [(item, concern) for concern in concerns]
            out["agenda_proposals"] += [(item, proposal) for proposal in proposals]
        known = plan.members_before(record.starts)
        if record.status == "held":
            attendees: dict[int, int | None] = {}
            if record.sub is None:
                for user in plan.secretariat:
                    attendees[user] = None
                for user in plan.coordinators:
                    if rng.random() < 0.7:
                        attendees[user] = None
                citizens = int(rng.uniform(0.5, 1.5) * (8 + known * 0.004))
            else:
                for user in record.sub.coordinators + [secretary]:
                    attendees[user] = None
                citizens = rng.randint(2, 8)
            for index in rng.sample(range(known), min(known, citizens)):
                attendees.setdefault(plan.pool_ids[index], None)
            present = [i for i in record.invited if rng.random() < (0.7 if record.sub is None else 0.8)]
            for institution in present:
                if institution.officials:
                    attendees[rng.choice(institution.officials)] = institution.pk
                out["presences"].append((self.ids.one("meetings_institutionpresence"), institution.level,
                                         dt(record.held_at), institution.pk, secretary, pk))
            for user, institution in attendees.items():
                out["attendance"].append((self.ids.one("meetings_attendance"), dt(record.held_at),
                                          institution, secretary, user, pk))
            drafted = record.held_at + rng.uniform(1, 5) * DAY
            if rng.random() < 0.85 and drafted < now:
                author = secretary if record.sub is None else record.organiser
                text = MINUTES_TEXT.format(code=record.code, attendees=len(attendees),
                                           institutions=len(present), agreements=record.agreements)
                approved = drafted + rng.uniform(2, 20) * DAY
                approved = approved if rng.random() < 0.92 and approved < now else None
                first = self.ids.one("meetings_minutes")
                out["minutes"].append((first, 1, text, "", dt(drafted), dt(drafted), dt(approved),
                                       secretary if approved else None, None, author, pk))
                if approved is not None:
                    approval = ("minutes_approved", "", None, None, None, None, approved, secretary, pk)
                    out["changes"].append(approval)
                    corrected = approved + rng.uniform(3, 30) * DAY
                    if rng.random() < 0.03 and corrected < now:
                        reason = "Se corrige la lista de instituciones presentes."
                        again = corrected + rng.uniform(1, 10) * DAY
                        again = again if again < now and rng.random() < 0.7 else None
                        out["minutes"].append((self.ids.one("meetings_minutes"), 2,
                                               text + "\nFe de erratas.\n", reason, dt(corrected),
                                               dt(corrected), dt(again),
                                               secretary if again else None, first, author, pk))
                        if again is not None:
                            out["changes"].append(("minutes_approved", reason, None, None, None, None, again,
                                                   secretary, pk))
        elif record.status != "cancelled" and record.starts > now:
            expected = [*record.sub.coordinators, secretary] if record.sub else []
            answering = rng.sample(range(known), min(known, max(3, int(known * 0.01)) if record.sub is None
                                                     else rng.randint(0, 5)))
            people = dict.fromkeys(expected + [plan.pool_ids[i] for i in answering])
            for user in people:
                answer = rng.choices(("yes", "maybe", "no"), weights=(60, 25, 15))[0]
                at = record.created + (now - record.created) * rng.random()
                out["rsvps"].append((self.ids.one("meetings_rsvp"), answer, dt(at), user, pk))

    # --- Commitments and action updates --------------------------------------------------------------

    def commitments(self) -> None:
        rng = self.rng("commitments")
        now = self.now - 60
        planned: list[PlannedCommitment] = []
        with self.step("plan commitments and action updates") as step:
            for agreement in self.agreement_plans:
                plan = self.tables[agreement.table_index]
                for number in range(1, agreement.count + 1):
                    planned.append(self.plan_commitment(plan, agreement, number, rng))
            weights = [UPDATE_WEIGHTS[c.status] for c in planned]
            for commitment, count in zip(planned, allocate(self.counts["updates"], weights), strict=True):
                self.plan_updates(commitment, count, rng)
            step["rows"] = len(planned)
        follows, reviews, comments, moves = [], [], [], []
        for c in planned:
            plan = self.tables[c.table_index]
            if c.moved is not None:
                moves.append((self.ids.one("commitments_duedatechange"), c.original_due, c.due, c.move_reason,
                              c.agreed_by, dt(c.moved), None, plan.secretariat[0], c.pk))
            if rng.random() < 0.2:
                known = plan.members_before(c.created)
                for index in rng.sample(range(known), min(known, rng.randint(1, 4))):
                    at = c.created + rng.uniform(0, 30) * DAY
                    follows.append((self.ids.one("commitments_follow"), dt(min(at, now)), c.pk,
                                    plan.pool_ids[index]))
            reviewable = c.status != "withdrawn" and (c.closed is not None or c.due <= c.today)
            if reviewable and rng.random() < 0.15:
                since = c.closed if c.closed is not None else local_ts(c.due, 12, 0, plan.zone)
                known = plan.members_before(since)
                for index in rng.sample(range(known), min(known, rng.randint(1, 3))):
                    at = since + rng.uniform(1, 30) * DAY
                    if at >= now:
                        continue
                    verdict = "disputed" if rng.random() < 0.35 else "confirmed"
                    reviews.append((self.ids.one("commitments_deliveryreview"), verdict,
                                    rng.choice(REVIEW_COMMENTS[verdict]), dt(at), dt(at), c.pk,
                                    plan.pool_ids[index]))
            for update in c.updates:
                if rng.random() < 0.08:
                    at = update[4] + rng.uniform(HOUR, 10 * DAY)
                    if at < now:
                        comments.append((self.ids.one("commitments_updatecomment"), rng.choice(COMMENT_TEXTS),
                                         dt(at), rng.choice(plan.secretariat + plan.coordinators), update[0]))
        with self.step("commitments, action updates, due dates, reviews, comments, follows") as step:
            copy, pairs = self.copier.copy, self.copy_pairs
            step["rows"] += copy("commitments_commitment",
                                 (c.row(self.tables[c.table_index]) for c in planned),
                                 history="commitments_commitmentevent")
            step["rows"] += pairs("commitments_commitment_co_responsible", "commitment_id institution_id",
                                  [(c.pk, c.partner) for c in planned if c.partner])
            step["rows"] += pairs("commitments_commitment_responsible_officials", "commitment_id user_id",
                                  [(c.pk, user) for c in planned for user in c.officials])
            step["rows"] += copy("commitments_duedatechange", moves, history="commitments_duedatechangeevent")
            step["rows"] += copy("commitments_actionupdate", (
                (pk, text, action_on, change, dt(at), author, corrects, institution, commitment)
                for c in planned
                for pk, text, action_on, change, at, author, corrects, institution, commitment in c.updates),
                history="commitments_actionupdateevent")
            step["rows"] += copy("commitments_updatecomment", comments,
                                 history="commitments_updatecommentevent")
            step["rows"] += copy("commitments_deliveryreview", reviews,
                                 history="commitments_deliveryreviewevent")
            step["rows"] += copy("commitments_follow", follows)

    def plan_commitment(self, plan: TablePlan, agreement: AgreementPlan, number: int,
                        rng: random.Random) -> PlannedCommitment:
        now = self.now - 60
        zone = plan.zone
        today = local_date(self.now, zone)
        c = PlannedCommitment(self.ids.one("commitments_commitment"), agreement.table_index)
        c.today = today
        c.agreement, c.number, c.code = agreement.pk, number, f"{agreement.code}-{number}"
        institution = agreement.owners[number - 1]
        c.institution = institution
        c.partner = agreement.partner.pk if agreement.partner and number == 1 else None
        c.created = agreement.created + rng.uniform(0, 3) * DAY
        if c.created >= now:
            c.created = agreement.created + (now - agreement.created) * rng.uniform(0.1, 0.9)
        c.original_due = c.due = agreement.day + timedelta(days=rng.choice(DUE_DAYS))
        if rng.random() < 0.4:
            c.unit = rng.choice(UNITS)
            c.requested = rng.randint(2, 300)
            roll = rng.random()
            c.committed = c.requested if roll < 0.4 else rng.randint(1, c.requested) if roll < 0.8 else None
        if rng.random() < 0.1:
            moved = c.created + (min(local_ts(c.due, 12, 0, zone), now) - c.created) * rng.uniform(0.3, 0.9)
            if moved < now:
                c.moved, c.move_reason = moved, rng.choice(MOVE_REASONS)
                c.agreed_by = rng.choice(("La sesión plenaria", "La secretaría técnica", ""))
                c.due = c.due + timedelta(days=rng.randint(14, 60))
        roll = rng.random()
        if c.due > today:
            c.status = "withdrawn" if roll < 0.02 else "open" if roll < 0.45 else "in_progress"
        else:
            c.status = "fulfilled" if roll < 0.5 else "partly_fulfilled" if roll < 0.63 else \
                "not_fulfilled" if roll < 0.72 else "withdrawn" if roll < 0.78 else \
                "open" if roll < 0.85 else "in_progress"  # the last two: overdue
        if c.status in ("fulfilled", "partly_fulfilled", "not_fulfilled", "withdrawn"):
            if c.due > today:
                closed = c.created + (now - c.created) * rng.uniform(0.2, 0.9)
            else:
                closed = local_ts(c.due, 12, 0, zone) + rng.uniform(-20, 15) * DAY
            floor = max(c.created, c.moved or 0) + DAY
            c.closed = closed if floor <= closed < now else floor if floor < now else (now + c.created) / 2
            if c.moved is not None and c.moved >= c.closed:
                c.moved = c.created + (c.closed - c.created) / 2
            reasons = STATUS_REASONS[c.status]
            c.status_reason = rng.choice(reasons) if c.status == "withdrawn" or rng.random() < 0.3 else ""
        if institution.officials and rng.random() < 0.5:
            c.officials = rng.sample(institution.officials,
                                     min(len(institution.officials), rng.randint(1, 2)))
        language = plan.language
        c.description = rng.choice(COMMITMENT_TEXTS[language]).format(
            n=c.committed or c.requested or rng.randint(2, 50), unit=c.unit or "elementos",
            colonia=rng.choice(plan.colonias)[1])
        return c

    def plan_updates(self, c: PlannedCommitment, count: int, rng: random.Random) -> None:
        """`count` action updates by officials of the owning institution, in order, between the
        commitment's recording and its closing (or now); delivered quantities add up."""
        plan = self.tables[c.table_index]
        zone = plan.zone
        now = self.now - 60
        end = c.closed if c.closed is not None else now
        officials = c.institution.officials
        if count and not officials:
            count = 0
        moments = sorted(c.created + 60 + (end - c.created - 120) * rng.random() for _ in range(count))
        share = {"fulfilled": (1.0, 1.1), "partly_fulfilled": (0.3, 0.8), "in_progress": (0.0, 0.6),
                 "not_fulfilled": (0.0, 0.2), "withdrawn": (0.0, 0.2), "open": (0.0, 0.0)}[c.status]
        target = c.committed or c.requested or 0
        total = min(QUANTITY_MAX_BENCH, int(target * rng.uniform(*share))) if c.unit and count else 0
        cuts = sorted(rng.randint(0, total) for _ in range(count - 1)) if count else []
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)] if count else []
        texts = UPDATE_TEXTS[plan.language]
        previous = None
        for at, change in zip(moments, parts, strict=True):
            pk = self.ids.one("commitments_actionupdate")
            corrects = None
            if previous is not None and rng.random() < 0.02:
                corrects = previous[0]
                change = -min(previous[3], rng.randint(0, 3)) if previous[3] > 0 else 0
            action_on = local_date(at - rng.uniform(0, 2) * DAY, zone)
            action_on = max(action_on, local_date(c.created, zone))
            update = (pk, rng.choice(texts), action_on, change, at, rng.choice(officials), corrects,
                      c.institution.pk, c.pk)
            c.updates.append(update)
            c.delivered += change
            previous = update
        if c.updates:
            c.first_update = c.updates[0][4]
        elif c.status == "in_progress":
            c.closed_by_hand = c.created + (end - c.created) * rng.uniform(0.1, 0.9)

    # --- Indicators ------------------------------------------------------------------------------

    def indicators(self) -> None:
        from indicators.models import Indicator

        rng = self.rng("indicators")
        now = self.now - 60
        observations, targets, baselines = [], [], []
        by_table: dict[int, list[dict]] = {}
        indicators = (Indicator.objects.filter(table_id__in=[plan.pk for plan in self.tables])
                      .order_by("table_id", "position", "pk")
                      .values("pk", "table_id", "code", "direction", "unit"))
        for indicator in indicators:
            by_table.setdefault(indicator["table_id"], []).append(indicator)
        largest = self.tables[0].weight
        with self.step("plan indicator figures") as step:
            for plan in self.tables:
                zone = plan.zone
                owner = next((s for s in plan.subcommittees if s.theme == "indicators"), None)
                entered_by = (owner.coordinators if owner and owner.coordinators else plan.secretariat)[0]
                this_month = month_start(local_date(self.now, zone))
                months = [month_start(this_month, back) for back in range(OBSERVATION_MONTHS, 0, -1)]
                size = 0.15 + 0.85 * plan.weight / largest
                target_due = date(this_month.year + 1, 12, 31)
                for indicator in by_table.get(plan.pk, [])[:plan.n["indicators"]]:
                    base, source = INDICATOR_FIGURES.get(indicator["code"],
                                                         (50, "Secretaría técnica de la mesa"))
                    minutes = indicator["unit"] == "minutes"
                    level = base * (1 if minutes else size) * rng.uniform(0.7, 1.3)
                    lower = indicator["direction"] == "lower"
                    trend = rng.uniform(0.7, 1.0) if lower else rng.uniform(1.0, 1.3)
                    values = []
                    for k, month in enumerate(months):
                        seasonal = 1 + 0.08 * math.sin(2 * math.pi * month.month / 12)
                        value = max(0.0, level * (1 + (trend - 1) * k / (len(months) - 1)) * seasonal
                                    * rng.gauss(1, 0.08))
                        value = Decimal(f"{value:.2f}") if minutes else Decimal(round(value))
                        values.append(value)
                        following = month_start(month, -1)
                        entered = local_ts(following + timedelta(days=rng.randint(4, 19)), rng.randint(9, 18),
                                           rng.randrange(60), zone)
                        if entered >= now:
                            entered = max(local_ts(following, 9, 0, zone), now - rng.uniform(0, 12) * HOUR)
                        observations.append((self.ids.one("indicators_observation"), month, "", value, source,
                                             dt(entered), "", None, entered_by, indicator["pk"]))
                    baseline = (sum(values[:12]) / 12).quantize(Decimal("0.01"))
                    baselines.append((baseline, months[0], source,
                                      "Promedio mensual de los primeros doce meses de la serie.",
                                      indicator["pk"]))
                    goal = (baseline * Decimal("0.8" if lower else "1.2")).quantize(Decimal("0.01"))
                    set_at = now - rng.uniform(30, 300) * DAY
                    targets.append((self.ids.one("indicators_target"), goal, target_due,
                                    "Meta acordada por la subcomisión de indicadores de desempeño.",
                                    dt(set_at), indicator["pk"], entered_by))
            step["rows"] = len(observations)
        with self.step("observations, baselines, targets") as step:
            step["rows"] = self.copier.copy("indicators_observation", observations,
                                            history="indicators_observationevent")
            # As indicators.services.indicator_update would: an update, recorded by the history trigger.
            self.cursor.executemany(
                "UPDATE indicators_indicator SET baseline_value = %s, baseline_period = %s, source = %s, "
                "methodology = %s WHERE id = %s", baselines)
            step["rows"] += len(baselines)
            step["rows"] += self.copier.copy("indicators_target", targets,
                history="indicators_targetevent")
