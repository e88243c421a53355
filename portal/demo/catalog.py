"""The demo organisation's customers and catalogue: Spanish and Latin American businesses, and
what an office supplier and IT services company sells, at its prices and IVA rates, with the
rates of its tax table each line names.

Data only; ``portal.demo.replay`` creates the rows through the catalog services.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoAddress:
    street: str
    postal_code: str
    city: str
    region: str
    country: str  # ISO 3166 alpha-2


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    tax_id: str  # valid for its country (``portal.fiscal.taxids``), check digits computed
    email: str
    address: DemoAddress
    phone: str
    terms: int  # days from the invoice date to its due date
    habit: str  # how it pays: a key of PAYMENT_HABITS
    weight: int  # how much business it brings, relative to the others
    methods: tuple[str, ...]  # how it pays, most usual first
    # Recargo de equivalencia: a retailer that is a person or a comunidad de bienes (never a
    # company). It is charged only on goods the shop sells on as it bought them (``resells``,
    # SKUs), not on services nor on what it buys for its own use.
    surcharge: bool = False
    resells: tuple[str, ...] = ()

    @property
    def abroad(self) -> bool:
        return self.address.country != "ES"


@dataclass(frozen=True)
class DemoProduct:
    name: str
    sku: str
    price: Decimal
    tax_rate: Decimal
    unit: str
    quantities: tuple[int, int]  # the usual range of one line's quantity
    weight: int  # how often it is sold, relative to the others


# Days between the due date and the payment: (earliest, latest). Negative: before it is due.
PAYMENT_HABITS = {
    "prompt": (-25, -8),
    "punctual": (-6, 4),
    "late": (6, 40),
    "very_late": (30, 95),
}

A = DemoAddress
C = DemoCustomer
# fmt: off
CUSTOMERS = (
    C("Construcciones Ebro S.A.", "A50123462", "administracion@construccionesebro.example",
      A("Paseo de la Independencia 24", "50004", "Zaragoza", "Zaragoza", "ES"),
      "+34 976 214 530", 60, "late", 9, ("TRANSFER",)),
    C("Hotel Mirador del Sol S.A.", "A07561236", "compras@miradordelsol.example",
      A("Avinguda de Gabriel Roca 45", "07014", "Palma", "Illes Balears", "ES"),
      "+34 971 402 118", 30, "punctual", 8, ("TRANSFER", "CARD")),
    C("Distribuidora del Pacífico S.A. de C.V.", "DPA150312KJ9", "pagos@delpacifico.example",
      A("Av. Vallarta 3233", "44690", "Guadalajara", "Jalisco", "MX"),
      "+52 33 3615 2280", 45, "late", 8, ("TRANSFER",)),
    C("Academia de Idiomas Babel S.L.", "B08473621", "secretaria@academiababel.example",
      A("Carrer de Balmes 112", "08008", "Barcelona", "Barcelona", "ES"),
      "+34 932 187 640", 30, "prompt", 7, ("TRANSFER", "CARD")),
    C("Comercializadora Azteca S.A. de C.V.", "CAZ0907215T0", "cuentasporpagar@azteca.example",
      A("Av. Insurgentes Sur 1458", "03230", "Ciudad de México", "Ciudad de México", "MX"),
      "+52 55 5524 8810", 30, "very_late", 6, ("TRANSFER", "CHECK")),
    C("Clínica Dental Sonrisa S.L.P.", "B46231874", "gerencia@clinicasonrisa.example",
      A("Calle de Colón 18", "46004", "Valencia", "Valencia", "ES"),
      "+34 963 512 094", 15, "prompt", 6, ("CARD", "TRANSFER")),
    C("Asesoría Fiscal Martín & Asociados S.L.", "B41872367", "info@martinasociados.example",
      A("Avenida de la Constitución 7", "41001", "Sevilla", "Sevilla", "ES"),
      "+34 954 228 371", 30, "punctual", 6, ("TRANSFER",)),
    C("Café de Altura Andino S.A.S.", "901234567-7", "tesoreria@cafeandino.example",
      A("Carrera 43A 1-50", "050021", "Medellín", "Antioquia", "CO"),
      "+57 604 444 3120", 30, "late", 5, ("TRANSFER",)),
    C("Transportes Cantábrico S.L.", "B39284617", "facturas@transcantabrico.example",
      A("Calle Castilla 56", "39009", "Santander", "Cantabria", "ES"),
      "+34 942 331 706", 45, "punctual", 5, ("TRANSFER",)),
    C("Viñedos del Maipo SpA", "76543210-3", "finanzas@vinedosmaipo.example",
      A("Camino a Pirque 2850", "8150000", "Puente Alto", "Región Metropolitana", "CL"),
      "+56 2 2871 4400", 30, "late", 4, ("TRANSFER",)),
    C("Restaurante El Rincón de Lola", "B29384757", "reservas@rincondelola.example",
      A("Calle Granada 31", "29015", "Málaga", "Málaga", "ES"),
      "+34 952 604 817", 15, "punctual", 4, ("CARD", "CASH")),
    C("Gestoría Norte S.L.", "B48765432", "gestoria@gestorianorte.example",
      A("Gran Vía de Don Diego López de Haro 38", "48009", "Bilbao", "Bizkaia", "ES"),
      "+34 944 236 590", 30, "prompt", 4, ("TRANSFER",)),
    C("Estudio Contable Rivadavia S.R.L.", "30-71523456-0", "estudio@rivadavia.example",
      A("Av. Rivadavia 5120", "C1424", "Buenos Aires", "Ciudad Autónoma de Buenos Aires", "AR"),
      "+54 11 4902 3318", 30, "very_late", 3, ("TRANSFER", "OTHER")),
    C("Bodegas Viña Alta S.L.", "B26123786", "administracion@vinaalta.example",
      A("Carretera de Cenicero km 3", "26006", "Logroño", "La Rioja", "ES"),
      "+34 941 258 733", 60, "punctual", 3, ("TRANSFER",)),
    C("Agroexportadora Inca S.A.C.", "20512345671", "contabilidad@agroinca.example",
      A("Av. Javier Prado Este 4200, Santiago de Surco", "15023", "Lima", "Lima", "PE"),
      "+51 1 437 2290", 45, "late", 3, ("TRANSFER", "CHECK")),
    # A bookshop and stationer run by two partners (a comunidad de bienes, so under recargo):
    # it sells our books and paper on.
    C("Librería Cervantes C.B.", "E47123450", "pedidos@libreriacervantes.example",
      A("Calle Santiago 9", "47001", "Valladolid", "Valladolid", "ES"),
      "+34 983 352 116", 30, "punctual", 3, ("TRANSFER", "CARD"),
      surcharge=True, resells=("LIB-CONT", "LIB-EXCEL", "OF-PAP-A4", "OF-LOTE")),
    # Panama and Uruguay: tax ids are free text in the portal (their RUC and RUT as printed).
    C("Logística Centroamericana S.A.", "155612345-2-2019", "",
      A("Calle 50, Torre Global, piso 12", "", "Ciudad de Panamá", "Panamá", "PA"),
      "+507 263 8841", 30, "late", 3, ("TRANSFER",)),
    C("Textiles Bogotá S.A.S.", "900765432-6", "compras@textilesbogota.example",
      A("Calle 13 # 68-45", "111611", "Bogotá", "Bogotá D.C.", "CO"),
      "+57 601 412 7760", 30, "punctual", 2, ("TRANSFER",)),
    C("Farmacia San Rafael", "1791234567001", "farmacia.sanrafael@correo.example",
      A("Av. 10 de Agosto N24-112", "170517", "Quito", "Pichincha", "EC"),
      "+593 2 256 7731", 15, "prompt", 2, ("CARD", "CASH")),
    # A baker (a person, so under recargo) whose shop also sells coffee and water to take away.
    C("Panadería La Espiga Dorada", "07234512T", "",
      A("Plaza Mayor 3", "37002", "Salamanca", "Salamanca", "ES"),
      "+34 923 214 580", 15, "prompt", 2, ("CASH", "CARD"),
      surcharge=True, resells=("CAT-CAF-1K", "CAT-CAP-100", "CAT-AGU-6")),
    C("Fundación Arte y Cultura", "G80123458", "fundacion@arteycultura.example",
      A("Calle de Alcalá 93", "28009", "Madrid", "Madrid", "ES"),
      "+34 915 774 120", 60, "punctual", 2, ("TRANSFER",)),
    C("Talleres Mecánicos Ruiz", "12873456B", "talleresruiz@correo.example",
      A("Polígono El Cerro, nave 14", "45200", "Illescas", "Toledo", "ES"),
      "+34 925 511 904", 30, "late", 2, ("CASH", "TRANSFER")),
    C("Inmobiliaria Los Andes S.A.", "214567890018", "administracion@losandes.example",
      A("Av. 18 de Julio 1345", "11100", "Montevideo", "Montevideo", "UY"),
      "+598 2 901 4455", 30, "punctual", 2, ("TRANSFER",)),
    C("Colegio San Ignacio", "R1000234C", "",
      A("Calle de la Merced 12", "10003", "Cáceres", "Cáceres", "ES"),
      "+34 927 224 310", 30, "punctual", 1, ("TRANSFER",)),
    # A florist (a person, under recargo) who sells nothing of ours on: no line carries it.
    C("Floristería Las Camelias", "34567821V", "lascamelias@correo.example",
      A("Rúa do Vilar 40", "15705", "Santiago de Compostela", "A Coruña", "ES"),
      "", 15, "prompt", 1, ("CASH", "CARD"), surcharge=True),
)
# fmt: on

P = DemoProduct
D = Decimal
# fmt: off
PRODUCTS = (
    # Equipment and supplies (IVA 21 %)
    P('Portátil 14" Core i5, 16 GB', "HW-POR-14", D("849.00"), D("21"), "unidad", (1, 6), 5),
    P('Monitor 27" QHD', "HW-MON-27", D("279.00"), D("21"), "unidad", (1, 8), 5),
    P("Impresora láser multifunción", "HW-IMP-MF", D("329.00"), D("21"), "unidad", (1, 2), 3),
    P("Teclado y ratón inalámbricos", "HW-TEC-RAT", D("39.90"), D("21"), "unidad", (2, 12), 4),
    P("Disco SSD externo 1 TB", "HW-SSD-1T", D("89.00"), D("21"), "unidad", (1, 5), 3),
    P("Silla ergonómica de oficina", "MOB-SIL-ERG", D("219.00"), D("21"), "unidad", (1, 10), 3),
    P("Mesa regulable en altura", "MOB-MES-REG", D("459.00"), D("21"), "unidad", (1, 6), 2),
    P("Papel A4 80 g (caja de 5 paquetes)", "OF-PAP-A4", D("24.50"), D("21"), "caja", (2, 20), 6),
    P("Tóner negro de alta capacidad", "OF-TON-NEG", D("89.90"), D("21"), "unidad", (1, 6), 5),
    P("Lote de material de oficina", "OF-LOTE", D("45.00"), D("21"), "lote", (1, 5), 4),
    # Services (IVA 21 %)
    P("Instalación y configuración de equipos", "SV-INST", D("45.00"), D("21"), "hora", (2, 16), 6),
    P("Soporte técnico mensual, plan básico", "SV-SOP-BAS", D("120.00"), D("21"), "mes", (1, 3), 4),
    P("Soporte técnico mensual, plan empresa",
      "SV-SOP-EMP", D("390.00"), D("21"), "mes", (1, 3), 3),
    P("Consultoría de sistemas", "SV-CONS", D("65.00"), D("21"), "hora", (4, 40), 5),
    P("Desarrollo web a medida", "SV-DEV-WEB", D("420.00"), D("21"), "jornada", (3, 20), 3),
    P("Mantenimiento web mensual", "SV-MAN-WEB", D("85.00"), D("21"), "mes", (1, 12), 3),
    P("Licencia de antivirus anual (por equipo)",
      "SW-ANTIV", D("29.00"), D("21"), "licencia", (5, 40), 4),
    P("Alojamiento web anual", "SW-HOST", D("119.00"), D("21"), "año", (1, 2), 3),
    P("Diseño de logotipo e identidad corporativa",
      "SV-DIS-LOG", D("650.00"), D("21"), "servicio", (1, 1), 1),
    P("Transporte y entrega", "SV-TRANS", D("15.00"), D("21"), "envío", (1, 3), 6),
    # Coffee and catering (IVA 10 %)
    P("Café en grano natural 1 kg", "CAT-CAF-1K", D("18.90"), D("10"), "kg", (2, 15), 4),
    P("Cápsulas de café (caja de 100)", "CAT-CAP-100", D("32.00"), D("10"), "caja", (1, 10), 4),
    P("Agua mineral 1,5 l (pack de 6)", "CAT-AGU-6", D("3.60"), D("10"), "pack", (5, 40), 3),
    P("Servicio de catering para eventos",
      "CAT-EVENTO", D("22.00"), D("10"), "persona", (15, 90), 2),
    P("Desayuno de trabajo", "CAT-DESAY", D("9.50"), D("10"), "persona", (6, 30), 2),
    # Books and journals (IVA 4 %)
    P("Libro «Contabilidad práctica para pymes»",
      "LIB-CONT", D("29.90"), D("4"), "unidad", (1, 10), 2),
    P("Manual de Excel avanzado", "LIB-EXCEL", D("24.00"), D("4"), "unidad", (1, 15), 2),
    P("Suscripción anual a revista técnica",
      "LIB-REV", D("60.00"), D("4"), "suscripción", (1, 3), 1),
    # Exempt from IVA (art. 20 LIVA): subsidised training and insurance
    P("Curso de ciberseguridad bonificado", "FOR-CIBER", D("180.00"), D("0"), "alumno", (2, 12), 3),
    P("Seguro anual de equipos informáticos",
      "SEG-EQUIPOS", D("75.00"), D("0"), "póliza", (1, 4), 2),
)
# fmt: on

# The rate of the organisation's table a line names (``taxName``): a Spanish customer's, by
# the product's rate (Spain's table, from ``fiscal.countries``).
SPANISH_RATES = {D("21"): "IVA 21 %", D("10"): "IVA 10 %", D("4"): "IVA 4 %", D("0"): "Exento"}
# Customers outside Spain (all of them in Latin America, outside the EU) pay no Spanish IVA,
# for one of two reasons the demo's table adds a rate for each: goods shipped to them are an
# export, exempt (art. 21 LIVA); services to a business established there (advice,
# development, software and support at a distance) take place where it is established, so
# are not subject to IVA (art. 69 LIVA). What is done or consumed in Spain (installation,
# transport, catering, water, training, insurance) is sold to Spanish customers only, so
# that no foreign line needs a rule beyond these two.
EXPORT = "Exportación"
NOT_SUBJECT = "No sujeto"
FOREIGN_RATES = (
    {
        "name": EXPORT,
        "percent": "0.00",
        "surchargePercent": "0.00",
        "exemptReason": "Exportación de bienes exenta de IVA (art. 21 Ley 37/1992)",
    },
    {
        "name": NOT_SUBJECT,
        "percent": "0.00",
        "surchargePercent": "0.00",
        "exemptReason": (
            "Operación no sujeta a IVA por reglas de localización (art. 69 Ley 37/1992)"
        ),
    },
)
SERVICES_ABROAD = frozenset(
    {
        "SV-SOP-BAS",
        "SV-SOP-EMP",
        "SV-CONS",
        "SV-DEV-WEB",
        "SV-MAN-WEB",
        "SW-ANTIV",
        "SW-HOST",
        "SV-DIS-LOG",
    }
)
SPAIN_ONLY = frozenset(
    {"SV-INST", "SV-TRANS", "CAT-AGU-6", "CAT-EVENTO", "CAT-DESAY", "FOR-CIBER", "SEG-EQUIPOS"}
)

QUOTE_NOTES = (
    "Plazo de entrega: 5 días laborables desde la aceptación.",
    "Precios válidos para pedidos confirmados dentro del plazo de validez.",
    "Incluye instalación en sus oficinas.",
    "Forma de pago: transferencia bancaria a 30 días.",
)
REJECTION_REASONS = (
    "El precio supera nuestro presupuesto.",
    "Hemos elegido otro proveedor.",
    "Aplazamos el proyecto al próximo año.",
    "El plazo de entrega es demasiado largo.",
    "",
)
INVOICE_NOTES = (
    "Pago por transferencia a la cuenta indicada en el pie de la factura.",
    "Gracias por su confianza.",
)
