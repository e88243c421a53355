"""The demo organisation's customers and catalogue: Spanish and Latin American businesses, and
what an office supplier and IT services company sells, at its prices and IVA rates.

Data only; ``portal.demo.activity`` creates the rows through the catalog services.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    tax_id: str
    email: str
    address: str
    phone: str
    terms: int  # days from the invoice date to its due date
    habit: str  # how it pays: a key of PAYMENT_HABITS
    weight: int  # how much business it brings, relative to the others
    methods: tuple[str, ...]  # how it pays, most usual first


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

C = DemoCustomer
# fmt: off
CUSTOMERS = (
    C("Construcciones Ebro S.A.", "A50123468", "administracion@construccionesebro.example",
      "Paseo de la Independencia 24, 50004 Zaragoza", "+34 976 214 530",
      60, "late", 9, ("TRANSFER",)),
    C("Hotel Mirador del Sol S.A.", "A07561234", "compras@miradordelsol.example",
      "Avinguda Gabriel Roca 45, 07014 Palma", "+34 971 402 118",
      30, "punctual", 8, ("TRANSFER", "CARD")),
    C("Distribuidora del Pacífico S.A. de C.V.", "DPA150312KJ7", "pagos@delpacifico.example",
      "Av. Vallarta 3233, 44690 Guadalajara, Jal., México", "+52 33 3615 2280",
      45, "late", 8, ("TRANSFER",)),
    C("Academia de Idiomas Babel S.L.", "B08473625", "secretaria@academiababel.example",
      "Carrer de Balmes 112, 08008 Barcelona", "+34 932 187 640",
      30, "prompt", 7, ("TRANSFER", "CARD")),
    C("Comercializadora Azteca S.A. de C.V.", "CAZ0907215T3", "cuentasporpagar@azteca.example",
      "Insurgentes Sur 1458, 03230 Ciudad de México, México", "+52 55 5524 8810",
      30, "very_late", 6, ("TRANSFER", "CHECK")),
    C("Clínica Dental Sonrisa S.L.P.", "B46231879", "gerencia@clinicasonrisa.example",
      "Calle de Colón 18, 46004 Valencia", "+34 963 512 094",
      15, "prompt", 6, ("CARD", "TRANSFER")),
    C("Asesoría Fiscal Martín & Asociados S.L.", "B41872365", "info@martinasociados.example",
      "Avenida de la Constitución 7, 41001 Sevilla", "+34 954 228 371",
      30, "punctual", 6, ("TRANSFER",)),
    C("Café de Altura Andino S.A.S.", "901.234.567-8", "tesoreria@cafeandino.example",
      "Carrera 43A 1-50, Medellín, Colombia", "+57 604 444 3120",
      30, "late", 5, ("TRANSFER",)),
    C("Transportes Cantábrico S.L.", "B39284617", "facturas@transcantabrico.example",
      "Calle Castilla 56, 39009 Santander", "+34 942 331 706",
      45, "punctual", 5, ("TRANSFER",)),
    C("Viñedos del Maipo SpA", "76.543.210-K", "finanzas@vinedosmaipo.example",
      "Camino a Pirque 2850, Puente Alto, Santiago, Chile", "+56 2 2871 4400",
      30, "late", 4, ("TRANSFER",)),
    C("Restaurante El Rincón de Lola", "B29384756", "reservas@rincondelola.example",
      "Calle Granada 31, 29015 Málaga", "+34 952 604 817",
      15, "punctual", 4, ("CARD", "CASH")),
    C("Gestoría Norte S.L.", "B48765432", "gestoria@gestorianorte.example",
      "Gran Vía de Don Diego López de Haro 38, 48009 Bilbao", "+34 944 236 590",
      30, "prompt", 4, ("TRANSFER",)),
    C("Estudio Contable Rivadavia S.R.L.", "30-71523456-9", "estudio@rivadavia.example",
      "Av. Rivadavia 5120, C1424 Buenos Aires, Argentina", "+54 11 4902 3318",
      30, "very_late", 3, ("TRANSFER", "OTHER")),
    C("Bodegas Viña Alta S.L.", "B26123789", "administracion@vinaalta.example",
      "Carretera de Cenicero km 3, 26006 Logroño", "+34 941 258 733",
      60, "punctual", 3, ("TRANSFER",)),
    C("Agroexportadora Inca S.A.C.", "20512345678", "contabilidad@agroinca.example",
      "Av. Javier Prado Este 4200, Surco, Lima, Perú", "+51 1 437 2290",
      45, "late", 3, ("TRANSFER", "CHECK")),
    C("Librería Cervantes S.Coop.", "F47123456", "pedidos@libreriacervantes.example",
      "Calle Santiago 9, 47001 Valladolid", "+34 983 352 116",
      30, "punctual", 3, ("TRANSFER", "CARD")),
    C("Logística Centroamericana S.A.", "155612345-2-2019", "",
      "Calle 50, Torre Global, piso 12, Ciudad de Panamá, Panamá", "+507 263 8841",
      30, "late", 3, ("TRANSFER",)),
    C("Textiles Bogotá S.A.S.", "900.765.432-1", "compras@textilesbogota.example",
      "Calle 13 # 68-45, Bogotá, Colombia", "+57 601 412 7760",
      30, "punctual", 2, ("TRANSFER",)),
    C("Farmacia San Rafael", "1791234567001", "farmacia.sanrafael@correo.example",
      "Av. 10 de Agosto N24-112, Quito, Ecuador", "+593 2 256 7731",
      15, "prompt", 2, ("CARD", "CASH")),
    C("Panadería La Espiga Dorada", "07234512M", "",
      "Plaza Mayor 3, 37002 Salamanca", "+34 923 214 580",
      15, "prompt", 2, ("CASH", "CARD")),
    C("Fundación Arte y Cultura", "G80123456", "fundacion@arteycultura.example",
      "Calle de Alcalá 93, 28009 Madrid", "+34 915 774 120",
      60, "punctual", 2, ("TRANSFER",)),
    C("Talleres Mecánicos Ruiz", "", "talleresruiz@correo.example",
      "Polígono El Cerro, nave 14, 45200 Illescas", "+34 925 511 904",
      30, "late", 2, ("CASH", "TRANSFER")),
    C("Inmobiliaria Los Andes S.A.", "21 456789 0012", "administracion@losandes.example",
      "Av. 18 de Julio 1345, 11100 Montevideo, Uruguay", "+598 2 901 4455",
      30, "punctual", 2, ("TRANSFER",)),
    C("Colegio San Ignacio", "", "",
      "Calle de la Merced 12, 10003 Cáceres", "+34 927 224 310",
      30, "punctual", 1, ("TRANSFER",)),
    C("Floristería Las Camelias", "", "lascamelias@correo.example",
      "Rúa do Vilar 40, 15705 Santiago de Compostela", "",
      15, "prompt", 1, ("CASH", "CARD")),
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
    # Exempt (IVA 0 %): subsidised training and insurance
    P("Curso de ciberseguridad bonificado", "FOR-CIBER", D("180.00"), D("0"), "alumno", (2, 12), 3),
    P("Seguro anual de equipos informáticos",
      "SEG-EQUIPOS", D("75.00"), D("0"), "póliza", (1, 4), 2),
)
# fmt: on

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
